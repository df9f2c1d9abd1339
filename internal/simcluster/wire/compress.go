package wire

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// Compressors the server offers, by their OP_COMPRESSED compressorId, in
// the order mongod prefers them (net.compression.compressors default
// "snappy,zstd,zlib").
const (
	compressorNoop   = 0
	compressorSnappy = 1
	compressorZlib   = 2
	compressorZstd   = 3
)

var compressorIDs = map[string]byte{"noop": compressorNoop, "snappy": compressorSnappy, "zlib": compressorZlib, "zstd": compressorZstd}

var compressorNames = map[byte]string{compressorNoop: "noop", compressorSnappy: "snappy", compressorZlib: "zlib", compressorZstd: "zstd"}

// Commands whose messages are never compressed, as the spec and mongod
// have it: the handshake and authentication.
var uncompressible = map[string]bool{
	"hello": true, "isMaster": true, "ismaster": true, "saslStart": true, "saslContinue": true, "getnonce": true,
	"authenticate": true, "createUser": true, "updateUser": true, "copydbSaslStart": true, "copydbgetnonce": true, "copydb": true,
}

var (
	zstdOnce sync.Once
	zstdEnc  *zstd.Encoder
	zstdDec  *zstd.Decoder
)

func zstdCodecs() (*zstd.Encoder, *zstd.Decoder) {
	zstdOnce.Do(func() {
		zstdEnc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault))
		zstdDec, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
	})
	return zstdEnc, zstdDec
}

func compress(id byte, src []byte) ([]byte, error) {
	switch id {
	case compressorNoop:
		return append([]byte(nil), src...), nil
	case compressorSnappy:
		return snappy.Encode(nil, src), nil
	case compressorZstd:
		enc, _ := zstdCodecs()
		return enc.EncodeAll(src, nil), nil
	case compressorZlib:
		var buf bytes.Buffer
		w, err := zlib.NewWriterLevel(&buf, 6)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(src); err != nil {
			return nil, err
		}
		err = w.Close()
		return buf.Bytes(), err
	}
	return nil, fmt.Errorf("unknown compressor id %d", id)
}

func decompress(id byte, src []byte, size int) ([]byte, error) {
	var out []byte
	var err error
	switch id {
	case compressorNoop:
		out = append([]byte(nil), src...)
	case compressorSnappy:
		out, err = snappy.Decode(nil, src)
	case compressorZstd:
		_, dec := zstdCodecs()
		out, err = dec.DecodeAll(src, make([]byte, 0, size))
	case compressorZlib:
		var r io.ReadCloser
		if r, err = zlib.NewReader(bytes.NewReader(src)); err == nil {
			out, err = io.ReadAll(io.LimitReader(r, int64(size)+1))
			r.Close()
		}
	default:
		return nil, fmt.Errorf("Cannot find compressor for id %d", id)
	}
	if err == nil && len(out) != size {
		err = errors.New("decompressing message returned less data than expected")
	}
	return out, err
}

// unwrapCompressed turns an OP_COMPRESSED frame into the frame it carries
// and names the compressor it used.
func unwrapCompressed(frame []byte) ([]byte, byte, error) {
	p := frame[headerLen:]
	if len(p) < 9 {
		return nil, 0, errors.New("short OP_COMPRESSED")
	}
	original := binary.LittleEndian.Uint32(p)
	size := int(int32(binary.LittleEndian.Uint32(p[4:])))
	id := p[8]
	if size < 0 || size > maxMessageSize-headerLen {
		return nil, 0, fmt.Errorf("OP_COMPRESSED uncompressed size %d out of bounds", size)
	}
	body, err := decompress(id, p[9:], size)
	if err != nil {
		return nil, 0, err
	}
	inner := make([]byte, headerLen, headerLen+len(body))
	copy(inner, frame[:headerLen])
	binary.LittleEndian.PutUint32(inner[0:], uint32(headerLen+len(body)))
	binary.LittleEndian.PutUint32(inner[12:], original)
	return append(inner, body...), id, nil
}

// wrapCompressed compresses a whole reply frame with compressor id.
func wrapCompressed(out []byte, id byte) ([]byte, error) {
	body, err := compress(id, out[headerLen:])
	if err != nil {
		return nil, err
	}
	w := make([]byte, headerLen+9, headerLen+9+len(body))
	copy(w, out[:headerLen])
	binary.LittleEndian.PutUint32(w[12:], opCompressed)
	binary.LittleEndian.PutUint32(w[headerLen:], binary.LittleEndian.Uint32(out[12:]))
	binary.LittleEndian.PutUint32(w[headerLen+4:], uint32(len(out)-headerLen))
	w[headerLen+8] = id
	w = append(w, body...)
	binary.LittleEndian.PutUint32(w[0:], uint32(len(w)))
	return w, nil
}

// negotiate is the server side of compression negotiation: the client's
// compressors the server has, in the client's order.
func negotiate(body bson.Raw) []string {
	arr, ok := body.Lookup("compression").ArrayOK()
	if !ok {
		return nil
	}
	vals, _ := arr.Values()
	var out []string
	for _, v := range vals {
		name, _ := v.StringValueOK()
		if id, known := compressorIDs[name]; known && id != compressorNoop {
			out = append(out, name)
		}
	}
	return out
}

// CompressionStats are serverStatus network.compression.<name>: what went
// through each compressor and decompressor.
type CompressionStats struct {
	CompressorIn, CompressorOut, DecompressorIn, DecompressorOut int64
}

type compressionCounters struct {
	compIn, compOut, decompIn, decompOut atomic.Int64
}

// CompressionStats reports the bytes each compressor handled so far.
func (s *Server) CompressionStats() map[string]CompressionStats {
	out := map[string]CompressionStats{}
	for id := range s.compStats {
		c := &s.compStats[id]
		out[compressorNames[byte(id)]] = CompressionStats{c.compIn.Load(), c.compOut.Load(), c.decompIn.Load(), c.decompOut.Load()}
	}
	return out
}
