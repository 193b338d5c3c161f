package adaptor

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// routes wires every path the server answers. Order matters: the request log sees the final
// status, recovery sits inside it, the signature headers are checked before the body is read,
// and a request is authenticated before its body is decoded.
// Every signed route takes the signed chain, in this order.
func (s *Server) routes() {
	s.echo.Use(s.requestLog, s.recoverPanic)
	signed := []echo.MiddlewareFunc{s.withDeadline, s.checkSignedHeaders, s.readBody, s.verifySignature, s.basicAuth}
	s.echo.POST(s.opts.Path, s.lookup, append(signed, requireJSON)...)
	s.echo.OPTIONS(s.opts.Path, methodNotAllowed(http.MethodPost))
	if s.opts.Actions.Catalog == nil {
		return
	}
	for _, target := range []string{"/customers/:customer", "/customers/:customer/transactions/:type/:tx"} {
		base := s.opts.Path + "/actions/:action" + target
		s.echo.GET(base+"/form", s.actionForm, signed...)
		s.echo.OPTIONS(base+"/form", methodNotAllowed(http.MethodGet))
		s.echo.POST(base+"/submit", s.actionSubmit, append(signed, requireJSON)...)
		s.echo.OPTIONS(base+"/submit", methodNotAllowed(http.MethodPost))
	}
}
