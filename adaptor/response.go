package adaptor

import (
	"encoding/json"
	"slices"
	"sync"

	"github.com/lookup-adaptor/lookup-adaptor/answer"
	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// answerBuffers holds answer bodies for the next answers to be written into. A body is written
// to the connection before its lookup returns, and nothing keeps it, so the lookup puts it back.
var answerBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledAnswer is the largest buffer kept for reuse; a rare huge answer is left to the GC.
const maxPooledAnswer = 64 << 10

// encodeResponse appends the answer body to dst[:0]: {"results": […]} is its only key (docs/protocol.md, The
// answer). Each customer's profile comes from the answer package — copied as the store kept it
// rendered, or rendered now — and a DETAILED answer (detailed) adds the actions that apply and
// splices in the transactions as stored: compact JSON validated when they were loaded, not
// re-validated on every answer.
func (s *Server) encodeResponse(dst []byte, found []store.Customer, detailed bool) ([]byte, error) {
	size := 16
	for i := range found {
		size += 512
		if detailed {
			for _, tx := range found[i].Transactions {
				size += len(tx.Wire()) + 1
			}
		}
	}
	buf := append(slices.Grow(dst[:0], size), `{"results":[`...)
	for i := range found {
		c := &found[i]
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = answer.AppendProfile(buf, c, s.opts.Normalizer.Phone)
		if !detailed {
			buf = append(buf, '}')
			continue
		}
		if s.opts.Actions.Catalog != nil {
			if acts := s.profileActions(c); len(acts) > 0 {
				b, err := json.Marshal(acts)
				if err != nil {
					return nil, err
				}
				buf = append(append(buf, `,"actions":`...), b...)
			}
		}
		if len(c.Transactions) > 0 {
			buf = append(buf, `,"transactions":[`...)
			for j, tx := range c.Transactions {
				if j > 0 {
					buf = append(buf, ',')
				}
				if s.opts.Actions.Catalog != nil {
					buf = append(buf, s.txWire(c.ExternalID, tx)...)
					continue
				}
				buf = append(buf, tx.Wire()...)
			}
			buf = append(buf, ']')
		}
		buf = append(buf, '}')
	}
	return append(buf, "]}"...), nil
}
