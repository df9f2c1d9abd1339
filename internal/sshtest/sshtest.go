// Package sshtest is an in-process SSH bastion for tests: it accepts one
// user's public key and forwards direct-tcpip channels (what `ssh -J` and
// mongoscope --ssh open), resolving names as the bastion's own network
// would. It is test support; nothing in mongoscope's binary uses it.
package sshtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Bastion is a running SSH server.
type Bastion struct {
	Addr     string
	HostKey  ssh.PublicKey
	ln       net.Listener
	cfg      *ssh.ServerConfig
	resolve  func(host string) string
	mu       sync.Mutex
	conns    []net.Conn
	wg       sync.WaitGroup
	forwards int
}

// Forwards counts the connections forwarded, for tests to see the traffic
// went through the bastion.
func (b *Bastion) Forwards() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.forwards
}

// Key is a client key pair, with its private half in a file.
type Key struct {
	Public  ssh.PublicKey
	private ed25519.PrivateKey
	File    string
}

// NewKey makes an ed25519 key and writes its private half (OpenSSH PEM,
// no passphrase) into dir.
func NewKey(dir, name string) (Key, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Key{}, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return Key{}, err
	}
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
		return Key{}, err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	return Key{Public: sshPub, private: priv, File: file}, err
}

// Start listens on 127.0.0.1 and accepts user with the key allowed.
// resolve turns a host name into the address the bastion dials (nil: as is).
func Start(user string, allowed ssh.PublicKey, resolve func(string) string) (*Bastion, error) {
	_, hostPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(c ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if c.User() == user && string(k.Marshal()) == string(allowed.Marshal()) {
			return nil, nil
		}
		return nil, errors.New("not allowed")
	}}
	cfg.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if resolve == nil {
		resolve = func(h string) string { return h }
	}
	b := &Bastion{Addr: ln.Addr().String(), HostKey: signer.PublicKey(), ln: ln, cfg: cfg, resolve: resolve}
	b.wg.Add(1)
	go b.accept()
	return b, nil
}

// KnownHostsLine is the bastion's known_hosts entry.
func (b *Bastion) KnownHostsLine() string {
	return knownhosts.Line([]string{knownhosts.Normalize(b.Addr)}, b.HostKey) + "\n"
}

// Close stops the server and every connection through it.
func (b *Bastion) Close() {
	b.ln.Close()
	b.Drop()
	b.wg.Wait()
}

// Drop cuts every connection, as a bastion restarting does; new ones are
// still accepted.
func (b *Bastion) Drop() {
	b.mu.Lock()
	for _, c := range b.conns {
		c.Close()
	}
	b.conns = nil
	b.mu.Unlock()
}

func (b *Bastion) track(c net.Conn) {
	b.mu.Lock()
	b.conns = append(b.conns, c)
	b.mu.Unlock()
}

func (b *Bastion) accept() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.track(c)
		b.wg.Add(1)
		go b.serve(c)
	}
}

func (b *Bastion) serve(c net.Conn) {
	defer b.wg.Done()
	defer c.Close()
	_, chans, reqs, err := ssh.NewServerConn(c, b.cfg)
	if err != nil {
		return
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		ssh.DiscardRequests(reqs)
	}()
	for nc := range chans {
		if nc.ChannelType() != "direct-tcpip" {
			nc.Reject(ssh.UnknownChannelType, "only direct-tcpip")
			continue
		}
		b.wg.Add(1)
		go b.forward(nc)
	}
}

// forward dials the channel's target from the bastion and pipes both ways.
func (b *Bastion) forward(nc ssh.NewChannel) {
	defer b.wg.Done()
	var target struct {
		Host     string
		Port     uint32
		OrigHost string
		OrigPort uint32
	}
	if err := ssh.Unmarshal(nc.ExtraData(), &target); err != nil {
		nc.Reject(ssh.ConnectionFailed, "bad direct-tcpip request")
		return
	}
	addr := net.JoinHostPort(b.resolve(target.Host), strconv.Itoa(int(target.Port)))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		nc.Reject(ssh.ConnectionFailed, fmt.Sprintf("connect to %s failed: %v", addr, err))
		return
	}
	b.track(conn)
	ch, reqs, err := nc.Accept()
	if err != nil {
		conn.Close()
		return
	}
	b.mu.Lock()
	b.forwards++
	b.mu.Unlock()
	go ssh.DiscardRequests(reqs)
	done := make(chan struct{}, 2)
	go func() { io.Copy(ch, conn); ch.CloseWrite(); done <- struct{}{} }()
	go func() { io.Copy(conn, ch); done <- struct{}{} }()
	<-done
	conn.Close()
	ch.Close()
	<-done
}

// ServeAgent runs an SSH agent holding key on a unix socket in dir and
// returns its path; it stops when stop is closed.
func ServeAgent(dir string, key Key, stop <-chan struct{}) (string, error) {
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: key.private}); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "agent.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		return "", err
	}
	go func() { <-stop; ln.Close() }()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				agent.ServeAgent(keyring, c)
			}()
		}
	}()
	return path, nil
}
