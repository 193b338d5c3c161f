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
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
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
}

// Target is where a case goes when it is not a lookup POST (target.json): Method (default
// POST), Path appended to the adaptor's lookup URL (an action's "/actions/…/form"), and a raw
// Query string.
type Target struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Query  string `json:"query"`
}

// Load finds every case under paths: a path is a case directory itself or a directory whose
// subdirectories (at any depth) are. Cases come back sorted by name.
func Load(paths ...string) ([]Case, error) {
	var cases []Case
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			// A case is a directory with response.json: the expected answer.
			if d.IsDir() || d.Name() != "response.json" {
				return nil
			}
			dir := filepath.Dir(p)
			name, _ := filepath.Rel(root, dir)
			if name == "." {
				name = filepath.Base(dir)
			}
			c, err := loadCase(name, dir)
			if err != nil {
				return err
			}
			cases = append(cases, c)
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

func loadCase(name, dir string) (Case, error) {
	c := Case{Name: name, Dir: dir}
	if err := readJSON(filepath.Join(dir, "target.json"), &c.Target); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return c, err
	}
	if c.Target.Method == "" {
		c.Target.Method = http.MethodPost
	}
	var err error
	if c.Body, err = os.ReadFile(filepath.Join(dir, "request.json")); err != nil && !(errors.Is(err, fs.ErrNotExist) && c.Target.Method == http.MethodGet) {
		return c, err
	}
	if err := readJSON(filepath.Join(dir, "response.json"), &c.Want); err != nil {
		return c, err
	}
	if err := readJSON(filepath.Join(dir, "headers.json"), &c.Headers); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return c, err
	}
	return c, nil
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
		problems = append(problems, "answer is not JSON: "+text.Truncate(string(body), maxShown))
	case !reflect.DeepEqual(got, want):
		problems = append(problems, "body differs:\n    got  "+compact(body)+"\n    want "+compact(c.Want.Body))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// Do sends c to target and checks the answer, returning what came back.
func (c *Case) Do(ctx context.Context, client *http.Client, target string, key []byte, now time.Time) (Response, error) {
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
// returns how many passed and failed.
func Run(ctx context.Context, client *http.Client, target string, key []byte, cases []Case, out io.Writer) (passed, failed int) {
	for i := range cases {
		c := &cases[i]
		if _, err := c.Do(ctx, client, target, key, time.Now()); err != nil {
			failed++
			fmt.Fprintf(out, "FAIL %s: %v\n", c.Name, err)
			continue
		}
		passed++
		fmt.Fprintf(out, "ok   %s\n", c.Name)
	}
	fmt.Fprintf(out, "%d passed, %d failed\n", passed, failed)
	return passed, failed
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

// maxShown bounds how much of an answer a mismatch shows.
const maxShown = 2000

func compact(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return text.Truncate(string(b), maxShown)
	}
	return text.Truncate(buf.String(), maxShown)
}
