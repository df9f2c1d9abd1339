package simcluster

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestDriverCompressors(t *testing.T) {
	c := startSim(t, Config{Topology: ReplSet})
	prim := nodeByRole(t, c, "primary", "")
	for _, name := range []string{"zstd", "snappy", "zlib"} {
		cl := connect(t, "mongodb://"+prim+"/?directConnection=true&compressors="+name)
		// A find and a serverStatus go compressed both ways; hello never is.
		var doc bson.M
		if err := cl.Database("shop").Collection("orders").FindOne(ctxT(t), bson.D{}).Decode(&doc); err != nil {
			t.Fatalf("%s: find: %v", name, err)
		}
		ss := runCmd(t, cl, "admin", bson.D{{Key: "serverStatus", Value: 1}})
		for _, f := range []string{"compressor", "decompressor"} {
			in, _ := ss.Lookup("network", "compression", name, f, "bytesIn").AsInt64OK()
			out, _ := ss.Lookup("network", "compression", name, f, "bytesOut").AsInt64OK()
			if in <= 0 || out <= 0 {
				t.Fatalf("%s: network.compression.%s.%s = %d in, %d out", name, name, f, in, out)
			}
		}
	}
}

func TestCompressionNegotiationAndOpCompressed(t *testing.T) {
	c := startSim(t, Config{Topology: ReplSet})
	rc := dialRaw(t, nodeByRole(t, c, "primary", ""))
	h := rc.query("admin", 0, bson.D{{Key: "isMaster", Value: 1}, {Key: "compression", Value: bson.A{"lz4", "zlib", "snappy"}}})
	got, _ := h.Lookup("compression").ArrayOK()
	if vals, _ := got.Values(); len(vals) != 2 || str(vals[0]) != "zlib" || str(vals[1]) != "snappy" {
		t.Fatalf("negotiated compression = %v", h.Lookup("compression"))
	}
	// A zlib OP_COMPRESSED ping is answered by a zlib OP_COMPRESSED OP_MSG.
	body, _ := bson.Marshal(bson.D{{Key: "ping", Value: 1}, {Key: "$db", Value: "admin"}})
	inner := append(make([]byte, 5), body...)
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(inner)
	w.Close()
	payload := binary.LittleEndian.AppendUint32(nil, 2013)
	payload = binary.LittleEndian.AppendUint32(payload, uint32(len(inner)))
	payload = append(append(payload, 2), z.Bytes()...)
	rc.nc.Write(rc.frame(2012, payload))
	var hdr [16]byte
	if _, err := io.ReadFull(rc.nc, hdr[:]); err != nil {
		t.Fatal(err)
	}
	rest := make([]byte, int(binary.LittleEndian.Uint32(hdr[:]))-16)
	if _, err := io.ReadFull(rc.nc, rest); err != nil {
		t.Fatal(err)
	}
	if op := binary.LittleEndian.Uint32(hdr[12:]); op != 2012 || binary.LittleEndian.Uint32(rest) != 2013 || rest[8] != 2 {
		t.Fatalf("reply opcode %d, original %d, compressor %d", op, binary.LittleEndian.Uint32(rest), rest[8])
	}
	zr, err := zlib.NewReader(bytes.NewReader(rest[9:]))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || bson.Raw(plain[5:]).Lookup("ok").Double() != 1 {
		t.Fatalf("decompressed reply: %v %v", bson.Raw(plain[5:]), err)
	}
}
