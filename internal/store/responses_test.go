package store

import (
	"context"
	"testing"
)

func TestResponsesPersist(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	items := [][]byte{[]byte(`{"id":"msg_1"}`), []byte(`{"id":"msg_2"}`)}
	if err := db.PutResponse(ctx, "resp_1", "in_progress", []byte(`{"id":"resp_1"}`), []byte(`{"messages":[]}`), items); err != nil {
		t.Fatal(err)
	}
	if err := db.PutResponse(ctx, "resp_2", "completed", []byte(`{}`), []byte(`{}`), nil); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.UpdateResponse(ctx, "resp_2", "completed", []byte(`{"v":2}`), []byte(`{"c":2}`)); !ok || err != nil {
		t.Fatalf("update: %v %v", ok, err)
	}
	if ok, err := db.UpdateResponse(ctx, "resp_none", "completed", nil, nil); ok || err != nil {
		t.Fatalf("update of a missing response: %v %v", ok, err)
	}
	_ = db.Close()

	// Everything survives a reopen.
	db, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	status, resp, conv, found, err := db.GetResponse(ctx, "resp_2")
	if err != nil || !found || status != "completed" || string(resp) != `{"v":2}` || string(conv) != `{"c":2}` {
		t.Fatalf("get: %q %s %s %v %v", status, resp, conv, found, err)
	}
	got, found, err := db.ResponseInputItems(ctx, "resp_1")
	if err != nil || !found || len(got) != 2 || string(got[1]) != `{"id":"msg_2"}` {
		t.Fatalf("items: %q %v %v", got, found, err)
	}
	ids, err := db.UnfinishedResponses(ctx)
	if err != nil || len(ids) != 1 || ids[0] != "resp_1" {
		t.Fatalf("unfinished: %v %v", ids, err)
	}
	// Delete cascades to the input items.
	if ok, err := db.DeleteResponse(ctx, "resp_1"); !ok || err != nil {
		t.Fatalf("delete: %v %v", ok, err)
	}
	if _, found, _ := db.ResponseInputItems(ctx, "resp_1"); found {
		t.Fatal("items of a deleted response")
	}
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM response_input_items`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("orphaned items: %d %v", n, err)
	}
	if ok, _ := db.DeleteResponse(ctx, "resp_1"); ok {
		t.Fatal("deleted twice")
	}
	if _, _, _, found, _ := db.GetResponse(ctx, "resp_1"); found {
		t.Fatal("found after delete")
	}
}
