package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/lookup-adaptor/lookup-adaptor/internal/component"
)

// pgBin holds the PostgreSQL 15 server programs, as Debian installs them.
const pgBin = "/usr/lib/postgresql/15/bin"

// Cluster is a PostgreSQL primary with one streaming standby, made for one test: initdb, then
// pg_basebackup -R into a second data directory, each server on a loopback port of its own.
// Both are stopped and removed when the test ends. As root (CI), the servers run as the
// postgres user, since PostgreSQL refuses to run as root.
type Cluster struct {
	t                testing.TB
	dir              string
	Primary, Standby *Node
}

// Node is one server of a Cluster.
type Node struct {
	c    *Cluster
	name string
	data string
	port int
}

// NewCluster starts a primary and a standby replicating from it. It skips the test (fails it
// under CI) when PostgreSQL's server programs are not installed.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		component.Missing(t, "the replication tests", "PostgreSQL 15's server programs are not installed ("+pgBin+")")
	}
	dir, err := os.MkdirTemp("", "pgcluster-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{t: t, dir: dir}
	c.chownToPostgres(dir)
	c.Primary = &Node{c: c, name: "primary", data: filepath.Join(dir, "primary"), port: freePort(t)}
	c.Standby = &Node{c: c, name: "standby", data: filepath.Join(dir, "standby"), port: freePort(t)}
	t.Cleanup(c.remove)
	c.run("initdb", "-D", c.Primary.data, "-A", "trust", "-U", "postgres")
	c.Primary.Start()
	c.run("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(c.Primary.port), "-U", "postgres", "-D", c.Standby.data, "-R", "-X", "stream")
	c.Standby.Start()
	return c
}

// DSN is the connection string of the node's postgres database, as the superuser.
func (n *Node) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=5", n.port)
}

// Port is the loopback port the node listens on.
func (n *Node) Port() int { return n.port }

// Start starts the node (again) and waits until it accepts connections.
func (n *Node) Start() {
	n.c.t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c full_page_writes=off -c max_connections=100 -c wal_receiver_status_interval=1s -c hot_standby_feedback=on", n.port, n.c.dir)
	n.c.run("pg_ctl", "-D", n.data, "-l", n.data+".log", "-w", "-o", opts, "start")
}

// Stop stops the node at once, as a crash would (pg_ctl stop -m immediate).
func (n *Node) Stop() {
	n.c.t.Helper()
	n.Resume()
	n.c.run("pg_ctl", "-D", n.data, "-m", "immediate", "-w", "stop")
}

// Hang stops every process of the node with SIGSTOP: it keeps its connections and its port but
// answers nothing, as a machine that froze would. Resume (or the test's end) undoes it.
func (n *Node) Hang() { n.signal(syscall.SIGSTOP) }

// Resume continues a node that Hang stopped.
func (n *Node) Resume() { n.signal(syscall.SIGCONT) }

// signal sends sig to the node's postmaster and every process it started.
func (n *Node) signal(sig syscall.Signal) {
	n.c.t.Helper()
	b, err := os.ReadFile(filepath.Join(n.data, "postmaster.pid"))
	if err != nil {
		return // not running
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		n.c.t.Fatalf("%s: postmaster.pid: %v", n.name, err)
	}
	pids := []int{pid}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so read after its closing parenthesis.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			pids = append(pids, child)
		}
	}
	for _, p := range pids {
		_ = syscall.Kill(p, sig)
	}
}

// Exec runs SQL statements on the node as the superuser.
func (n *Node) Exec(statements ...string) {
	n.c.t.Helper()
	db, err := sqlx.Open("pgx", n.DSN())
	if err != nil {
		n.c.t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range statements {
		if _, err := db.ExecContext(ctx, s); err != nil {
			n.c.t.Fatalf("%s: %s: %v", n.name, s, err)
		}
	}
}

// WaitReplayed waits until the standby has replayed everything the primary has written.
func (c *Cluster) WaitReplayed() {
	c.t.Helper()
	p, err := sqlx.Open("pgx", c.Primary.DSN())
	if err != nil {
		c.t.Fatal(err)
	}
	defer p.Close()
	s, err := sqlx.Open("pgx", c.Standby.DSN())
	if err != nil {
		c.t.Fatal(err)
	}
	defer s.Close()
	var target string
	if err := p.Get(&target, "SELECT pg_current_wal_lsn()::text"); err != nil {
		c.t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var behind bool
		if err := s.Get(&behind, "SELECT pg_last_wal_replay_lsn() < $1::pg_lsn", target); err == nil && !behind {
			return
		}
	}
	c.t.Fatal("the standby did not replay the primary's WAL within 30 s")
}

// run runs one of PostgreSQL's programs, as the postgres user when this is root.
func (c *Cluster) run(program string, args ...string) {
	c.t.Helper()
	path := filepath.Join(pgBin, program)
	if os.Getuid() == 0 {
		args = append([]string{"-u", "postgres", "--", path}, args...)
		path = "runuser"
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = c.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("%s %s: %v\n%s", program, strings.Join(args, " "), err, out)
	}
}

// chownToPostgres gives dir to the postgres user when this is root.
func (c *Cluster) chownToPostgres(dir string) {
	if os.Getuid() != 0 {
		return
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		c.t.Fatalf("the postgres user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		c.t.Fatal(err)
	}
}

// remove stops both servers and deletes their directory.
func (c *Cluster) remove() {
	for _, n := range []*Node{c.Standby, c.Primary} {
		if n == nil {
			continue
		}
		n.Resume()
		path, args := filepath.Join(pgBin, "pg_ctl"), []string{"-D", n.data, "-m", "immediate", "-w", "stop"}
		if os.Getuid() == 0 {
			path, args = "runuser", append([]string{"-u", "postgres", "--", path}, args...)
		}
		_ = exec.Command(path, args...).Run()
	}
	_ = os.RemoveAll(c.dir)
}

// freePort returns a loopback port nothing listens on.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
