// Command acme-adaptor is lookup-adaptor serving Acme's CRM export: the whole program — serve,
// check, sign, replay and the rest, with the same configuration — and one store of its own.
package main

import (
	"example.com/acme-adaptor/acme"

	"github.com/lookup-adaptor/lookup-adaptor/cli"
)

func main() {
	cli.Main(acme.Backend)
}
