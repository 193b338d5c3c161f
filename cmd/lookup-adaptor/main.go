// Command lookup-adaptor is a Gladly Lookup Adaptor: the server Gladly calls to look up
// customers in a company's system of record, and the tools that go with it.
//
//	lookup-adaptor serve                       run the server
//	lookup-adaptor migrate                     create or upgrade the store schema
//	lookup-adaptor seed [--replace] FILE...    load customers (.json, .jsonl, - for stdin) into the store
//	lookup-adaptor delete ID...                delete customers by externalCustomerId
//	lookup-adaptor export [--out FILE]         write the whole store as .jsonl seed records
//	lookup-adaptor generate --customers N      write synthetic customers as JSONL
//	lookup-adaptor sign --key K FILE           print the headers Gladly would send for a body
//	lookup-adaptor replay --url URL PATH...    replay recorded cases and compare the answers
//	lookup-adaptor check --url URL --key K     check a deployed adaptor as Gladly would call it
//	lookup-adaptor version                     print the version
//
// Configuration comes from config.yaml (--config) and ADAPTOR_* environment variables;
// store.driver picks one of the built-in backends below. The program is package cli with these
// backends: a program of one's own serves another store the same way (docs/stores.md).
package main

import (
	"github.com/lookup-adaptor/lookup-adaptor/cli"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
	"github.com/lookup-adaptor/lookup-adaptor/store/postgres"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite"
)

func main() {
	cli.Main(sqlite.Backend, postgres.Backend, memory.Backend)
}
