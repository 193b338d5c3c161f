// Package wirerules checks an answer against Gladly's rules for a lookup answer
// (docs/protocol.md, The answer): the ones that, broken, make Gladly fail the whole lookup.
// The adaptor's tests, the check command and the console share it.
package wirerules

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// Problems lists the rules body breaks, each once, sorted; nil for a good answer. detailed
// adds the rule of a DETAILED answer: at most one result.
func Problems(body []byte, detailed bool) []string {
	var top map[string]any
	if err := json.Unmarshal(body, &top); err != nil {
		return []string{"the answer is not a JSON object"}
	}
	found := map[string]bool{}
	if len(top) != 1 || top["results"] == nil {
		found["the only top-level key must be results"] = true
	}
	results, ok := top["results"].([]any)
	if !ok && top["results"] != nil {
		found["results must be an array"] = true
	}
	if detailed && len(results) > 1 {
		found[fmt.Sprintf("a DETAILED answer must hold at most one result, not %d", len(results))] = true
	}
	for _, r := range results {
		res, ok := r.(map[string]any)
		if !ok {
			found["every result must be an object"] = true
			continue
		}
		if id, _ := res["externalCustomerId"].(string); id == "" {
			found["every result needs externalCustomerId as a string"] = true
		}
		if attrs, ok := res["customAttributes"].(map[string]any); ok {
			for _, v := range attrs {
				if _, ok := v.(string); !ok {
					found["customAttributes must be flat strings"] = true
				}
			}
		}
		phones, _ := res["phones"].([]any)
		for _, p := range phones {
			if m, ok := p.(map[string]any); !ok || !slices.Contains([]any{"MOBILE", "HOME", "OFFICE", "OTHER"}, m["type"]) {
				found["a phone's type must be MOBILE, HOME, OFFICE or OTHER"] = true
			}
		}
		leaves(res, "", found)
	}
	out := make([]string, 0, len(found))
	for p := range found {
		out = append(out, p)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// leaves notes every value under v that is not a string, and every empty string (Gladly reads
// "" as "clear this attribute"; absent values are left out).
func leaves(v any, path string, found map[string]bool) {
	switch x := v.(type) {
	case string:
		if x == "" {
			found[fmt.Sprintf("%s is an empty string; leave absent values out", path)] = true
		}
	case []any:
		for _, e := range x {
			leaves(e, path+"[]", found)
		}
	case map[string]any:
		for k, e := range x {
			leaves(e, path+"."+k, found)
		}
	default:
		found[fmt.Sprintf("%s is %s, not a string", path, jsonType(v))] = true
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}
