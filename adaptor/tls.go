package adaptor

import (
	"crypto/tls"
	"fmt"
	"sync/atomic"
)

// Certificate is the TLS certificate the lookup listener presents, replaceable while it serves:
// connections already open keep theirs, every new handshake gets the current one.
type Certificate struct {
	current atomic.Pointer[tls.Certificate]
}

// LoadCertificate reads a PEM certificate chain and its key (server.tls.cert_file, key_file).
func LoadCertificate(certFile, keyFile string) (*Certificate, error) {
	c := &Certificate{}
	return c, c.Reload(certFile, keyFile)
}

// Reload reads the files again; if they do not make a certificate, the current one stays and
// the error says why.
func (c *Certificate) Reload(certFile, keyFile string) error {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("tls certificate %s, key %s: %w", certFile, keyFile, err)
	}
	c.current.Store(&cert)
	return nil
}

// TLSConfig is the server side of HTTPS: TLS 1.2 at least, the current certificate, and (set
// up by http.Server.ServeTLS) HTTP/2 besides HTTP/1.1.
func (c *Certificate) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return c.current.Load(), nil
		},
	}
}
