// Package replay plays Gladly's part against a running adaptor: it loads recorded cases
// (docs/data.md), signs each request as Gladly would, sends it, and compares the answer with the one
// expected.
//
// A case is a directory holding request.json (the body, sent byte for byte), response.json
// ({"status": 200, "body": {…}}) and optionally headers.json ({"Header": "value"}). Headers from
// headers.json are set before signing, so they are signed too, and a Gladly-Time there is the
// signing time (to replay a stale request); a Gladly-Authorization there replaces the computed
// signature (to replay a forged one). Answers are compared as JSON values, not bytes.
package replay

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// Response is an expected (or recorded) answer.
type Response struct {
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
}

// Case is one recorded request: a lookup, or an action's form or submission.
type Case struct {
	Name    string            // the directory, relative to the path it was found under
	Dir     string            // the directory on disk
	Target  Target            // target.json, if any: another method, path or query
	Body    []byte            // request.json, as is (none for a GET)
	Headers map[string]string // headers.json, if any
	Want    Response          // response.json
	// Err is why the case could not be loaded (a malformed file): it fails when run, and the
	// others still run.
	Err error
	// Skip, when not empty, is why a folder that looks like a case is not one (no
	// response.json): it is named when run, and neither passes nor fails.
	Skip string
}

// Target is where a case goes when it is not a lookup POST (target.json): Method (default
// POST), Path appended to the adaptor's lookup URL (an action's "/actions/…/form"), and a raw
// Query string.
type Target struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Query  string `json:"query"`
}

// caseFiles are the files a case directory may hold.
var caseFiles = []string{"request.json", "response.json", "headers.json", "target.json"}

// Load finds every case under paths: a path is a case directory itself or a directory whose
// subdirectories (at any depth) are. A directory holding any of a case's files is a case; one
// without response.json is skipped (Skip says so), and one whose files do not read is a case
// that fails (Err). Cases come back sorted by name.
func Load(paths ...string) ([]Case, error) {
	var cases []Case
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() || !holdsCase(p) {
				return nil
			}
			name, _ := filepath.Rel(root, p)
			if name == "." {
				name = filepath.Base(p)
			}
			cases = append(cases, loadCase(name, p))
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("replay: no cases (directories with response.json) under %s", strings.Join(paths, ", "))
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases, nil
}

// holdsCase reports whether dir holds any of a case's files.
func holdsCase(dir string) bool {
	for _, f := range caseFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}

func loadCase(name, dir string) Case {
	c := Case{Name: name, Dir: dir}
	if _, err := os.Stat(filepath.Join(dir, "response.json")); errors.Is(err, fs.ErrNotExist) {
		c.Skip = "no response.json (the expected answer), so nothing to compare with"
		return c
	}
	if err := readJSON(filepath.Join(dir, "target.json"), &c.Target); err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.Err = err
		return c
	}
	if c.Target.Method == "" {
		c.Target.Method = http.MethodPost
	}
	var err error
	if c.Body, err = os.ReadFile(filepath.Join(dir, "request.json")); err != nil && !(errors.Is(err, fs.ErrNotExist) && c.Target.Method == http.MethodGet) {
		c.Err = err
		return c
	}
	if err := readJSON(filepath.Join(dir, "response.json"), &c.Want); err != nil {
		c.Err = err
		return c
	}
	if err := readJSON(filepath.Join(dir, "headers.json"), &c.Headers); err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.Err = err
	}
	return c
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// NewRequest builds the signed request of c to target (the adaptor's lookup URL) at time now.
func (c *Case) NewRequest(ctx context.Context, target string, key []byte, now time.Time) (*http.Request, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("replay: url: %w", err)
	}
	method := c.Target.Method
	if method == "" {
		method = http.MethodPost
	}
	u.Path += c.Target.Path
	if c.Target.Query != "" {
		u.RawQuery = c.Target.Query
	}
	if t, ok := c.Headers[signing.HeaderTime]; ok {
		if now, err = time.Parse(signing.TimeLayout, t); err != nil {
			return nil, fmt.Errorf("replay: %s: headers.json: bad Gladly-Time %q", c.Name, t)
		}
	}
	sr, err := signing.NewRequest(key, method, u.EscapedPath(), u.RawQuery, c.Body, now)
	if err != nil {
		return nil, err
	}
	for k, v := range c.Headers {
		if !strings.EqualFold(k, signing.HeaderAuthorization) {
			sr.Header.Set(k, v)
		}
	}
	auth, err := signing.Sign(key, sr)
	if err != nil {
		return nil, err
	}
	sr.Header.Set(signing.HeaderAuthorization, auth)
	if forged, ok := c.Headers[signing.HeaderAuthorization]; ok {
		sr.Header.Set(signing.HeaderAuthorization, forged)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(c.Body))
	if err != nil {
		return nil, err
	}
	req.Header = sr.Header
	return req, nil
}

// Check compares an answer with the expected one; nil means they match.
func (c *Case) Check(status int, body []byte) error {
	var problems []string
	if status != c.Want.Status {
		problems = append(problems, fmt.Sprintf("status %d, want %d", status, c.Want.Status))
	}
	got, err1 := decode(body)
	want, err2 := decode(c.Want.Body)
	switch {
	case err2 != nil:
		problems = append(problems, "response.json body is not JSON: "+err2.Error())
	case err1 != nil:
		problems = append(problems, "answer is not JSON: "+text.Truncate(string(body), 2000))
	case !reflect.DeepEqual(got, want):
		problems = append(problems, "body differs:\n    "+strings.Join(differences(got, want), "\n    "))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// Do sends c to target and checks the answer, returning what came back.
func (c *Case) Do(ctx context.Context, client *http.Client, target string, key []byte, now time.Time) (Response, error) {
	if c.Err != nil {
		return Response{}, c.Err
	}
	req, err := c.NewRequest(ctx, target, key, now)
	if err != nil {
		return Response{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return Response{}, err
	}
	return Response{Status: resp.StatusCode, Body: body}, c.Check(resp.StatusCode, body)
}

// Run replays every case against target, printing one line per case and a summary to out, and
// returns how many passed and failed. Skipped folders are named and counted apart. When every
// failing case got the same status where it expected another — all 401, all 404 — the summary
// says what that usually means.
func Run(ctx context.Context, client *http.Client, target string, key []byte, cases []Case, out io.Writer) (passed, failed int) {
	skipped := 0
	statuses := map[int]int{} // status → cases that got it unexpectedly
	for i := range cases {
		c := &cases[i]
		if c.Skip != "" {
			skipped++
			fmt.Fprintf(out, "SKIP %s: %s\n", c.Name, c.Skip)
			continue
		}
		got, err := c.Do(ctx, client, target, key, time.Now())
		if err != nil {
			failed++
			if got.Status != c.Want.Status {
				statuses[got.Status]++
			}
			fmt.Fprintf(out, "FAIL %s: %v\n", c.Name, err)
			continue
		}
		passed++
		fmt.Fprintf(out, "ok   %s\n", c.Name)
	}
	fmt.Fprintf(out, "%d passed, %d failed", passed, failed)
	if skipped > 0 {
		fmt.Fprintf(out, ", %d skipped", skipped)
	}
	fmt.Fprintln(out)
	if failed > 1 {
		switch {
		case statuses[http.StatusUnauthorized] == failed:
			fmt.Fprintln(out, "hint: every failing case was refused 401: is --key the adaptor's signing key (and the adaptor's clock right)?")
		case statuses[http.StatusNotFound] == failed:
			fmt.Fprintln(out, "hint: every failing case got 404: --url must be the lookup URL, path included, as in http://127.0.0.1:8080/lookup")
		}
	}
	return passed, failed
}

// maxDifferences bounds how many differences a mismatch lists.
const maxDifferences = 20

// differences lists where got and want (decoded JSON) differ, each as a JSON path with both
// values: "results[0].name: got \"Ada\", want \"Ada Lovelace\"".
func differences(got, want any) []string {
	var out []string
	var walk func(path string, g, w any)
	walk = func(path string, g, w any) {
		if len(out) >= maxDifferences {
			return
		}
		switch wv := w.(type) {
		case map[string]any:
			gv, ok := g.(map[string]any)
			if !ok {
				break
			}
			keys := map[string]bool{}
			for k := range wv {
				keys[k] = true
			}
			for k := range gv {
				keys[k] = true
			}
			for _, k := range slices.Sorted(maps.Keys(keys)) {
				gk, inGot := gv[k]
				wk, inWant := wv[k]
				switch {
				case !inGot:
					out = append(out, fmt.Sprintf("%s: missing, want %s", join(path, k), shown(wk)))
				case !inWant:
					out = append(out, fmt.Sprintf("%s: not expected, got %s", join(path, k), shown(gk)))
				default:
					walk(join(path, k), gk, wk)
				}
			}
			return
		case []any:
			gv, ok := g.([]any)
			if !ok {
				break
			}
			for i := range max(len(gv), len(wv)) {
				p := fmt.Sprintf("%s[%d]", path, i)
				switch {
				case i >= len(gv):
					out = append(out, fmt.Sprintf("%s: missing, want %s", p, shown(wv[i])))
				case i >= len(wv):
					out = append(out, fmt.Sprintf("%s: not expected, got %s", p, shown(gv[i])))
				default:
					walk(p, gv[i], wv[i])
				}
			}
			return
		}
		if !reflect.DeepEqual(g, w) {
			out = append(out, fmt.Sprintf("%s: got %s, want %s", cmp.Or(path, "(the body)"), shown(g), shown(w)))
		}
	}
	walk("", got, want)
	if len(out) == maxDifferences {
		out = append(out, "…")
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// shown is a decoded JSON value as a short JSON text.
func shown(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return text.Truncate(string(b), 200)
}

func decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
