package adaptor

// routes wires every path the server answers. Order matters: the request log sees the final
// status, recovery sits inside it, and a request is authenticated before its body is decoded.
func (s *Server) routes() {
	s.echo.Use(s.requestLog, s.recoverPanic)
	s.echo.POST(s.opts.Path, s.lookup, s.readBody, s.verifySignature, s.basicAuth, requireJSON)
}
