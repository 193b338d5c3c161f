package adaptor

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"
)

// lookup answers a verified lookup. Until the resolvers land it finds nothing.
func (s *Server) lookup(c echo.Context) error {
	return writeJSON(c, http.StatusOK, map[string][]any{"results": {}})
}

// writeJSON marshals v and writes it with Content-Type application/json.
func writeJSON(c echo.Context, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.Blob(status, echo.MIMEApplicationJSON, b)
}
