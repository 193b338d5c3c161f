package adaptor

import (
	"slices"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// autoLinkKeys are the profile fields that make a BASIC lookup an auto-link.
var autoLinkKeys = []string{"emails", "phones"}

// isAutoLink reports whether a BASIC query is Gladly's auto-link: it has an emails or a phones
// key. Present but not an array is still auto-link, and then a 400 — never a search by a
// custom attribute called "emails".
func isAutoLink(query rawObject) bool {
	return slices.ContainsFunc(autoLinkKeys, query.has)
}

// autoLinkQuery reads Gladly's profile into the customers to look for: those sharing an email
// or a phone with it. The name is never used: a same-name stranger must not be linked.
func (s *Server) autoLinkQuery(query rawObject) (store.Link, error) {
	q := store.Link{Limit: s.opts.MaxResults}
	emails, err := queryList(query, "emails", maxQueryEmails)
	if err != nil {
		return q, err
	}
	phones, err := queryList(query, "phones", maxQueryPhones)
	if err != nil {
		return q, err
	}
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
	return q, nil
}
