package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

// testCA makes a CA and a server certificate for 127.0.0.1 signed by it;
// it returns the server's TLS config and the CA as PEM.
func testCA(t *testing.T) (*tls.Config, []byte) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mongoscope test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

func TestTLSWithTheRightAndAWrongCA(t *testing.T) {
	serverTLS, caPEM := testCA(t)
	sim, err := simcluster.Start(simcluster.Config{Topology: "standalone", TLS: serverTLS, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	dir := t.TempDir()
	good := filepath.Join(dir, "ca.pem")
	os.WriteFile(good, caPEM, 0o600)
	_, otherPEM := testCA(t)
	wrong := filepath.Join(dir, "other-ca.pem")
	os.WriteFile(wrong, otherPEM, 0o600)
	uri := "mongodb://" + sim.Nodes()[0].Address + "/?tls=true"

	code, out, errOut := runCapture(t, nil, "snapshot", "--interval", "200ms", "--tls-ca-file", good, uri)
	if code != exitOK || !strings.Contains(out, `"kind": "standalone"`) {
		t.Fatalf("with the right CA: exit %d, %s", code, errOut)
	}
	code, _, errOut = runCapture(t, nil, "snapshot", "--connect-timeout", "2s", "--tls-ca-file", wrong, uri)
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if code != exitFailure || len(lines) != 1 || !strings.Contains(errOut, "TLS") || !strings.Contains(errOut, "--tls-ca-file") {
		t.Fatalf("with a wrong CA: exit %d, %q", code, errOut)
	}
}
