package adaptor

import (
	"fmt"
	"maps"
	"slices"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// nameKeys are the search attributes matched against the customer's name.
var nameKeys = []string{"name", "firstName", "lastName"}

// searchQuery reads the fields an agent filled into a basic search: every non-empty field must
// match, each searching what matching.search_fields (or the default rules) says. Gladly's own
// id is not a search field. none reports a search that can find nobody (no
// usable field, or a phone that is not a phone number).
func (s *Server) searchQuery(query rawObject) (q store.Search, none bool, err error) {
	q.Limit = s.opts.MaxResults
	fields := len(query)
	if _, ok := query["id"]; ok {
		fields--
	}
	if fields > maxSearchFields {
		return q, false, invalid("query", fmt.Sprintf("a search combines at most %d fields, not %d", maxSearchFields, fields))
	}
	for _, key := range slices.Sorted(maps.Keys(query)) {
		if key == "id" {
			continue
		}
		value, err := queryText(query, key)
		if err != nil {
			return q, false, err
		}
		if value == "" {
			continue
		}
		switch t := s.opts.SearchFields.target(key); t.Kind {
		case SearchEmail:
			q.Email = store.NormalizeEmail(value)
		case SearchPhone:
			e164, ok := s.opts.Normalizer.Phone(value)
			if !ok {
				none = true // not a phone number: no customer can match it
			}
			q.Phone = e164
		case SearchExternalID:
			q.ExternalID = value
		case SearchName:
			q.NameWords = append(q.NameWords, store.NameWords(value)...)
			if len(q.NameWords) > maxNameWords {
				return q, false, invalid(queryAttr(key), fmt.Sprintf("a search matches at most %d name words", maxNameWords))
			}
		case SearchIdentifier:
			q.Identifiers = setKey(q.Identifiers, t.Name, value)
		default:
			q.Attributes = setKey(q.Attributes, t.Name, value)
		}
	}
	return q, none || q.IsEmpty(), nil
}

func setKey(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}
