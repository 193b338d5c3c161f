package adaptor

import (
	"context"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// autoLink finds the customers sharing an email or a phone with Gladly's profile. The name is
// never used: a same-name stranger must not be linked to a profile.
func (s *Server) autoLink(ctx context.Context, query map[string]any) ([]store.Customer, error) {
	emails, err := queryList(query, "emails")
	if err != nil {
		return nil, err
	}
	phones, err := queryList(query, "phones")
	if err != nil {
		return nil, err
	}
	q := store.Link{Limit: s.opts.MaxResults}
	for _, e := range emails {
		if e = store.NormalizeEmail(e); e != "" {
			q.Emails = append(q.Emails, e)
		}
	}
	for _, p := range phones {
		if e164, ok := s.opts.Normalizer.Phone(p); ok {
			q.Phones = append(q.Phones, e164)
		}
	}
	if len(q.Emails) == 0 && len(q.Phones) == 0 {
		return nil, nil
	}
	return s.opts.Store.Link(ctx, q)
}
