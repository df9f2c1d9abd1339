package wire

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/xdg-go/scram"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// Commands a connection may run before it authenticates, as on mongod.
var unauthenticatedCommands = map[string]bool{
	"hello": true, "isMaster": true, "ismaster": true, "saslStart": true, "saslContinue": true,
	"ping": true, "buildInfo": true, "buildinfo": true, "getnonce": true, "logout": true,
	"authenticate": true, "endSessions": true,
}

const (
	mechSHA256 = "SCRAM-SHA-256"
	mechSHA1   = "SCRAM-SHA-1"
)

// authenticator holds SCRAM credentials and answers saslStart/saslContinue.
type authenticator struct {
	users map[string]User // "db.name"
	creds map[string]scram.StoredCredentials
}

func newAuthenticator(users []User) (*authenticator, error) {
	a := &authenticator{users: map[string]User{}, creds: map[string]scram.StoredCredentials{}}
	for _, u := range users {
		if u.DB == "" {
			u.DB = "admin"
		}
		key := u.DB + "." + u.Name
		a.users[key] = u
		salt := make([]byte, 16)
		if _, err := rand.Read(salt); err != nil {
			return nil, err
		}
		c256, err := scram.SHA256.NewClient(u.Name, u.Password, "")
		if err != nil {
			return nil, fmt.Errorf("user %s: %w", u.Name, err)
		}
		a.creds[mechSHA256+"/"+key] = c256.GetStoredCredentials(scram.KeyFactors{Salt: string(salt), Iters: 15000})
		// SCRAM-SHA-1 in MongoDB hashes the password as md5("user:mongo:pwd") first.
		digest := md5.Sum([]byte(u.Name + ":mongo:" + u.Password))
		c1, err := scram.SHA1.NewClientUnprepped(u.Name, hex.EncodeToString(digest[:]), "")
		if err != nil {
			return nil, fmt.Errorf("user %s: %w", u.Name, err)
		}
		a.creds[mechSHA1+"/"+key] = c1.GetStoredCredentials(scram.KeyFactors{Salt: string(salt), Iters: 10000})
	}
	return a, nil
}

// conversation is one SCRAM exchange on one connection.
type conversation struct {
	db, mech   string
	conv       *scram.ServerConversation
	skipEmpty  bool
	serverDone bool
}

// connAuth is a connection's authentication state.
type connAuth struct {
	mu   sync.Mutex
	conv *conversation
}

var errAuthFailed = errors.New("Authentication failed.")

func (a *authenticator) start(db, mech string, payload []byte, skipEmpty bool) (*conversation, string, error) {
	var hash scram.HashGeneratorFcn
	switch mech {
	case mechSHA256:
		hash = scram.SHA256
	case mechSHA1:
		hash = scram.SHA1
	default:
		return nil, "", fmt.Errorf("Received authentication for mechanism %s which is not enabled", mech)
	}
	srv, err := hash.NewServer(func(user string) (scram.StoredCredentials, error) {
		c, ok := a.creds[mech+"/"+db+"."+user]
		if !ok {
			return scram.StoredCredentials{}, errAuthFailed
		}
		return c, nil
	})
	if err != nil {
		return nil, "", err
	}
	c := &conversation{db: db, mech: mech, conv: srv.NewConversation(), skipEmpty: skipEmpty}
	out, err := c.conv.Step(string(payload))
	if err != nil {
		return nil, "", errAuthFailed
	}
	return c, out, nil
}

// step continues a conversation; it returns the payload, whether the
// exchange is done, and the authenticated user once it is.
func (a *authenticator) step(c *conversation, payload []byte) (string, bool, *User, error) {
	if c.serverDone {
		u := a.users[c.db+"."+c.conv.Username()]
		return "", true, &u, nil
	}
	out, err := c.conv.Step(string(payload))
	if err != nil || !c.conv.Valid() {
		return "", false, nil, errAuthFailed
	}
	c.serverDone = true
	if !c.skipEmpty {
		return out, false, nil, nil
	}
	u := a.users[c.db+"."+c.conv.Username()]
	return out, true, &u, nil
}

// supportedMechs answers hello's saslSupportedMechs: "db.user".
func (a *authenticator) supportedMechs(dbUser string) []string {
	if _, ok := a.users[dbUser]; !ok {
		return nil
	}
	return []string{mechSHA1, mechSHA256}
}

// handleSASL answers saslStart and saslContinue (and hello's
// speculativeAuthenticate, which is a saslStart inside hello).
func (s *Server) handleSASL(sc *serverConn, name, db string, body bson.Raw) bson.Raw {
	switch name {
	case "saslStart":
		mech, _ := body.Lookup("mechanism").StringValueOK()
		_, payload, _ := body.Lookup("payload").BinaryOK()
		skip, _ := body.Lookup("options", "skipEmptyExchange").BooleanOK()
		c, out, err := s.auth.start(db, mech, payload, skip)
		if err != nil {
			return authFailed(err)
		}
		sc.auth.mu.Lock()
		sc.auth.conv = c
		sc.auth.mu.Unlock()
		return mustMarshal(bson.D{{Key: "conversationId", Value: int32(1)}, {Key: "done", Value: false},
			{Key: "payload", Value: bson.Binary{Data: []byte(out)}}, {Key: "ok", Value: 1.0}})
	case "saslContinue":
		sc.auth.mu.Lock()
		c := sc.auth.conv
		sc.auth.mu.Unlock()
		if c == nil {
			return errorReply(17, "ProtocolError", "No SASL session state found")
		}
		_, payload, _ := body.Lookup("payload").BinaryOK()
		out, done, user, err := s.auth.step(c, payload)
		if err != nil {
			return authFailed(err)
		}
		if done && user != nil {
			sc.info.setAuth(*user)
		}
		return mustMarshal(bson.D{{Key: "conversationId", Value: int32(1)}, {Key: "done", Value: done},
			{Key: "payload", Value: bson.Binary{Data: []byte(out)}}, {Key: "ok", Value: 1.0}})
	}
	return errorReply(59, "CommandNotFound", "no such command: '"+name+"'")
}

// augmentHello adds saslSupportedMechs and speculativeAuthenticate to the
// handler's hello reply, as an authenticating mongod does.
func (s *Server) augmentHello(sc *serverConn, body, reply bson.Raw) bson.Raw {
	var extra bson.D
	if who, ok := body.Lookup("saslSupportedMechs").StringValueOK(); ok {
		if mechs := s.auth.supportedMechs(who); mechs != nil {
			extra = append(extra, bson.E{Key: "saslSupportedMechs", Value: mechs})
		}
	}
	if spec, ok := body.Lookup("speculativeAuthenticate").DocumentOK(); ok {
		db, _ := spec.Lookup("db").StringValueOK()
		if db == "" {
			db = "admin"
		}
		r := s.handleSASL(sc, "saslStart", db, spec)
		if ok, _ := r.Lookup("ok").AsFloat64OK(); ok == 1 {
			elems, _ := r.Elements()
			var d bson.D
			for _, e := range elems {
				if e.Key() != "ok" {
					d = append(d, bson.E{Key: e.Key(), Value: e.Value()})
				}
			}
			extra = append(extra, bson.E{Key: "speculativeAuthenticate", Value: d})
		}
	}
	if len(extra) == 0 {
		return reply
	}
	return appendFields(reply, extra)
}

func authFailed(err error) bson.Raw {
	if errors.Is(err, errAuthFailed) {
		return errorReply(18, "AuthenticationFailed", "Authentication failed.")
	}
	return errorReply(2, "BadValue", err.Error())
}
