package sqlshared

import (
	"reflect"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/scalar"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

func sampleCustomer() store.Customer {
	n, _ := scalar.Number("1200")
	return store.Customer{
		Emails: []string{"ada@example.com", "ünïcode@example.org"},
		Phones: []store.Phone{{Original: "+1 (415) 555-0123", E164: "+14155550123", Type: store.Mobile}, {Original: "ext. 12", Type: store.Other}},
		CustomAttributes: map[string]scalar.Scalar{
			"points": n, "vip": scalar.Bool(true), "note": scalar.String("a\x1eb\x00c"),
		},
	}
}

func TestDetailsRoundTrip(t *testing.T) {
	for _, c := range []store.Customer{{}, sampleCustomer()} {
		var got store.Customer
		if err := DecodeDetails(EncodeDetails(&c), &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, c)
		}
	}
}

// FuzzDecodeDetails: stored bytes that are corrupt give an error, never a panic or a huge
// allocation; whatever decodes survives encoding and decoding again unchanged.
func FuzzDecodeDetails(f *testing.F) {
	c := sampleCustomer()
	f.Add(EncodeDetails(&c))
	f.Add([]byte{0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		var c store.Customer
		if err := DecodeDetails(b, &c); err != nil {
			return
		}
		var again store.Customer
		if err := DecodeDetails(EncodeDetails(&c), &again); err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("%x decodes to %+v, which round-trips to %+v (%v)", b, c, again, err)
		}
	})
}

// TestSplitTransactionsOrdersBySeq: the column's items may come in any order, and come back
// newest first by seq; a malformed item is an error.
func TestSplitTransactionsOrdersBySeq(t *testing.T) {
	item := func(seq, n string) string {
		return seq + "\x1fORDER\x1f1790000000000000\x1f{\"orderNumber\":\"" + n + "\",\"type\":\"ORDER\"}"
	}
	for _, col := range []string{
		item("0", "a") + "\x1e" + item("1", "b") + "\x1e" + item("2", "c") + "\x1e" + item("10", "d"),
		item("10", "d") + "\x1e" + item("2", "c") + "\x1e" + item("0", "a") + "\x1e" + item("1", "b"),
	} {
		txs, err := SplitTransactions([]byte(col))
		if err != nil {
			t.Fatal(err)
		}
		var got string
		for _, tx := range txs {
			got += tx.Identifiers()[0][1]
		}
		if got != "abcd" {
			t.Errorf("order %q, want abcd", got)
		}
	}
	undated, err := SplitTransactions([]byte("0\x1fGENERIC\x1f-62135596800000000\x1f{}"))
	if err != nil || len(undated) != 1 || !undated[0].Date().Equal(time.Time{}) || undated[0].Type() != transactions.Generic {
		t.Errorf("an undated GENERIC: %+v, %v", undated, err)
	}
	for _, bad := range []string{"ORDER\x1f1\x1f{}", "x\x1fORDER\x1f1\x1f{}", "0\x1fORDER\x1fsoon\x1f{}", "0\x1fORDER", "-\x1fORDER\x1f1\x1f{}", "0\x1fORDER\x1f92233720368547758070\x1f{}"} {
		if _, err := SplitTransactions([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestTransactionItemsRoundTrip: items AppendTransactionItem renders, joined by RS in any
// order, split back into the transactions, newest first.
func TestTransactionItemsRoundTrip(t *testing.T) {
	var want []transactions.Transaction
	for _, raw := range []string{
		`{"type":"ORDER","orderNumber":"1","createdAt":"2026-03-01T10:00:00Z"}`,
		`{"type":"GENERIC","title":"undated"}`,
		`{"type":"STAY","hotel":"Ritz","checkInDate":"1969-07-20"}`,
	} {
		tx, err := transactions.Parse([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, tx)
	}
	var col []byte
	for _, seq := range []int{2, 0, 1} {
		if len(col) > 0 {
			col = append(col, 0x1e)
		}
		col = AppendTransactionItem(col, seq, want[seq])
	}
	got, err := SplitTransactions(col)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d transactions back, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Type() != want[i].Type() || !got[i].Date().Equal(want[i].Date()) || string(got[i].Wire()) != string(want[i].Wire()) {
			t.Errorf("item %d: %s %v %s, want %s %v %s", i, got[i].Type(), got[i].Date(), got[i].Wire(), want[i].Type(), want[i].Date(), want[i].Wire())
		}
	}
}
