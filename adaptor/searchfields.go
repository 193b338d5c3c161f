package adaptor

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// SearchTarget is what one basic-search attribute searches.
type SearchTarget struct {
	Kind SearchKind
	// Name is the transaction field (SearchIdentifier) or custom attribute (SearchAttribute).
	Name string
}

// SearchKind is a kind of SearchTarget.
type SearchKind string

// The kinds of search target, as written in matching.search_fields.
const (
	SearchEmail      SearchKind = "email"
	SearchPhone      SearchKind = "phone"
	SearchName       SearchKind = "name"
	SearchExternalID SearchKind = "externalCustomerId"
	SearchIdentifier SearchKind = "identifier"
	SearchAttribute  SearchKind = "attribute"
)

// SearchFields maps the names Gladly's admin gave search attributes to what they search
// (matching.search_fields). A name it does not hold follows the default rules (see target).
type SearchFields map[string]SearchTarget

// ParseSearchFields reads matching.search_fields: each value is email, phone, name,
// externalCustomerId, identifier:<transaction field> (one the store indexes) or
// attribute:<custom attribute>.
func ParseSearchFields(m map[string]string) (SearchFields, error) {
	out := make(SearchFields, len(m))
	for attr, spec := range m {
		t, err := parseTarget(spec)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", attr, err)
		}
		if attr == "" || attr == "id" {
			return nil, fmt.Errorf("%q cannot be mapped: it is Gladly's own id", attr)
		}
		out[attr] = t
	}
	return out, nil
}

func parseTarget(spec string) (SearchTarget, error) {
	kind, name, hasName := strings.Cut(strings.TrimSpace(spec), ":")
	switch k := SearchKind(kind); k {
	case SearchEmail, SearchPhone, SearchName, SearchExternalID:
		if hasName {
			return SearchTarget{}, fmt.Errorf("%q: %s takes no :name", spec, k)
		}
		return SearchTarget{Kind: k}, nil
	case SearchIdentifier:
		if !slices.Contains(transactions.IdentifierFields, name) {
			return SearchTarget{}, fmt.Errorf("%q: the identifiers the store indexes are %s", spec, strings.Join(transactions.IdentifierFields, ", "))
		}
		return SearchTarget{Kind: k, Name: name}, nil
	case SearchAttribute:
		if name == "" {
			return SearchTarget{}, fmt.Errorf("%q: name the custom attribute, as in attribute:tier", spec)
		}
		return SearchTarget{Kind: k, Name: name}, nil
	}
	return SearchTarget{}, fmt.Errorf("%q is not a search target; want email, phone, name, externalCustomerId, identifier:<field> or attribute:<name>", spec)
}

// target is what the search attribute key searches: its mapping, else the default rules —
// email, phone, externalCustomerId by those names; name, firstName and lastName the name;
// a transaction identifier field the transactions; any other key the custom attribute of
// that name.
func (f SearchFields) target(key string) SearchTarget {
	if t, ok := f[key]; ok {
		return t
	}
	switch {
	case key == "email", key == "phone", key == "externalCustomerId":
		return SearchTarget{Kind: SearchKind(key)}
	case slices.Contains(nameKeys, key):
		return SearchTarget{Kind: SearchName}
	case slices.Contains(transactions.IdentifierFields, key):
		return SearchTarget{Kind: SearchIdentifier, Name: key}
	}
	return SearchTarget{Kind: SearchAttribute, Name: key}
}
