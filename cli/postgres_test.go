package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"go.uber.org/zap/zapcore"

	"github.com/lookup-adaptor/lookup-adaptor/check"
	"github.com/lookup-adaptor/lookup-adaptor/store/postgres/pgtest"
)

// docsSection returns the text of the section of docs/operations.md under heading, up to the
// next heading of its level or above.
func docsSection(t *testing.T, heading string) string {
	t.Helper()
	doc, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), heading+"\n")
	if !ok {
		t.Fatalf("docs/operations.md has no %q", heading)
	}
	if i := regexp.MustCompile(`(?m)^#{1,3} `).FindStringIndex(rest); i != nil {
		rest = rest[:i[0]]
	}
	return rest
}

// The PostgreSQL set-up in docs/operations.md works as written: its SQL run as the superuser
// (with the names made the test's own), then migrate and seed as the owner, and serve as the
// read-only role, which check then finds answering the demo customers.
func TestPostgresSetupInTheDocs(t *testing.T) {
	server := pgtest.ServerDSN(t)
	section := docsSection(t, "### Setting up PostgreSQL")
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	owner := "docs_" + hex.EncodeToString(b)
	reader := owner + "_reader"
	rename := strings.NewReplacer("lookup_reader", reader, "lookup", owner)
	as := func(user, password, db string) string {
		u, err := url.Parse(server)
		if err != nil {
			t.Fatal(err)
		}
		u.User, u.Path = url.UserPassword(user, password), "/"+db
		return u.String()
	}
	super, err := sqlx.Open("pgx", server)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer super.Close()
		for _, stmt := range []string{"DROP DATABASE IF EXISTS " + owner + " WITH (FORCE)", "DROP ROLE IF EXISTS " + reader, "DROP ROLE IF EXISTS " + owner} {
			if _, err := super.Exec(stmt); err != nil {
				t.Errorf("%s: %v", stmt, err)
			}
		}
	})

	heredoc := regexp.MustCompile(`(?s)sudo -u postgres psql( \w+)? <<'SQL'\n(.*?)\nSQL\n`)
	blocks := heredoc.FindAllStringSubmatch(section, -1)
	if len(blocks) != 2 {
		t.Fatalf("%d psql blocks in the section, want 2 (the owner's, the reader's)", len(blocks))
	}
	runSQL := func(db, sql string) {
		t.Helper()
		conn, err := sqlx.Open("pgx", as("postgres", "", db))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for _, stmt := range strings.Split(strings.TrimSpace(rename.Replace(sql)), ";\n") {
			if _, err := conn.Exec(stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
	}
	passwords := regexp.MustCompile(`(?m)^CREATE ROLE \w+ LOGIN PASSWORD '([^']+)'`)
	ownerPassword := passwords.FindStringSubmatch(blocks[0][2])[1]
	readerPassword := passwords.FindStringSubmatch(blocks[1][2])[1]
	runSQL("postgres", blocks[0][2])

	// The owner's commands, as the docs give them (the seed path from cli/).
	t.Setenv("ADAPTOR_SIGNING_KEYS", "dev-key")
	t.Setenv("ADAPTOR_STORE_DRIVER", "postgres")
	t.Setenv("ADAPTOR_STORE_DSN", as(owner, ownerPassword, owner))
	commands := regexp.MustCompile(`(?m)^(?:\S+=\S+ )?\./bin/lookup-adaptor (\w+)(?: (\S+))?`).FindAllStringSubmatch(section, -1)
	var ran []string
	for _, c := range commands {
		if c[1] == "serve" {
			continue
		}
		args := []string{c[1], "--config", repoConfig}
		if c[2] != "" {
			args = append(args, "../"+c[2])
		}
		if err := run(t, args...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		ran = append(ran, c[1])
	}
	if strings.Join(ran, " ") != "migrate seed" {
		t.Fatalf("the docs' commands ran: %v", ran)
	}

	if db := rename.Replace(strings.TrimSpace(blocks[1][1])); db != owner {
		t.Fatalf("the reader's grants are run in database %q, not the adaptor's", db)
	}
	runSQL(owner, blocks[1][2])
	t.Setenv("ADAPTOR_STORE_DSN", as(reader, readerPassword, owner))
	addr, _ := serveEnv(t, zapcore.NewNopCore())
	results := check.Run(context.Background(), check.Options{URL: "http://" + addr + "/lookup", Key: []byte("dev-key"), Customer: "C-1001"})
	for _, r := range results {
		if r.Verdict != check.Pass {
			t.Errorf("served by the read-only role: %s %s: %s", r.Verdict, r.Name, r.Detail)
		}
	}
}

// A connection string is printed without its password, in any of its forms.
func TestRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://lookup:s3cret@db:5432/lookup?sslmode=verify-full": "postgres://lookup:xxxxx@db:5432/lookup?sslmode=verify-full",
		"postgres://lookup@db/lookup?password=s3cret&sslmode=disable": "postgres://lookup@db/lookup?password=xxxxx&sslmode=disable",
		"host=db user=lookup password=s3cret dbname=lookup":           "host=db user=lookup password=xxxxx dbname=lookup",
		"host=db password='s3 cret' dbname=lookup":                    "host=db password=xxxxx dbname=lookup",
		"data/lookup-adaptor.db":                                      "data/lookup-adaptor.db",
	} {
		if got := redactDSN(in); got != want || strings.Contains(got, "s3") {
			t.Errorf("redactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

// store.read_dsns is for postgres: the embedded drivers refuse it, naming it.
func TestReadDSNsRefusedOffPostgres(t *testing.T) {
	useTempStore(t)
	t.Setenv("ADAPTOR_STORE_READ_DSNS", "postgres://lookup@standby/lookup")
	for _, driver := range []string{"sqlite", "memory"} {
		t.Setenv("ADAPTOR_STORE_DRIVER", driver)
		if driver == "memory" {
			t.Setenv("ADAPTOR_STORE_DSN", "../testdata/seed/demo.json")
		}
		if _, err := runQuiet("", "migrate", "--config", repoConfig); err == nil || !strings.Contains(err.Error(), "store.read_dsns: the "+driver+" driver reads only from store.dsn") {
			t.Errorf("%s with store.read_dsns: %v", driver, err)
		}
	}
}
