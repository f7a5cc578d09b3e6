//go:build js

package main

import (
	"errors"
	"fmt"
	"syscall/js"
)

// A small IndexedDB wrapper: a database opened once, transactions that a
// goroutine waits for. IndexedDB calls back on the page's event loop; the
// callbacks only hand the outcome to the waiting goroutine, which must not
// be the event loop's (event handlers here run in their own goroutines,
// see on).

// idb is an open IndexedDB database.
type idb struct{ db js.Value }

// idbError is a failure that IndexedDB reported, with its DOMException's
// name (QuotaExceededError, InvalidStateError, ...).
type idbError struct {
	Name, Msg string
}

func (e *idbError) Error() string { return e.Name + ": " + e.Msg }

// isQuota reports whether err is the browser refusing storage space.
func isQuota(err error) bool {
	var e *idbError
	return errors.As(err, &e) && e.Name == "QuotaExceededError"
}

// domError turns a DOMException (or anything thrown) into an error.
func domError(v js.Value, what string) error {
	if v.IsUndefined() || v.IsNull() {
		return &idbError{Name: "UnknownError", Msg: what + " failed"}
	}
	name, msg := "Error", v.Call("toString").String()
	if n := v.Get("name"); n.Type() == js.TypeString {
		name = n.String()
	}
	if m := v.Get("message"); m.Type() == js.TypeString {
		msg = m.String()
	}
	return &idbError{Name: name, Msg: what + ": " + msg}
}

// jsCall runs f, turning a JavaScript exception into an error: IndexedDB
// throws synchronously too (a closed database, a private window).
func jsCall(what string, f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if je, ok := r.(js.Error); ok {
				err = domError(je.Value, what)
				return
			}
			err = fmt.Errorf("%s: %v", what, r)
		}
	}()
	f()
	return nil
}

// getProp reads a property through Reflect.get: a getter that throws (as
// window.indexedDB and window.localStorage do where the browser forbids
// storage) is then a js.Error that jsCall recovers; js.Value.Get does not
// catch, and the exception would end the program.
func getProp(v js.Value, name string) js.Value {
	return window.Get("Reflect").Call("get", v, name)
}

// openIDB opens (creating or upgrading) a database; upgrade creates its
// object stores.
func openIDB(name string, version int, upgrade func(db js.Value)) (*idb, error) {
	var factory js.Value
	if err := jsCall("opening the database", func() { factory = getProp(window, "indexedDB") }); err != nil {
		return nil, err
	}
	if factory.IsUndefined() || factory.IsNull() {
		return nil, &idbError{Name: "NotSupportedError", Msg: "this browser has no IndexedDB"}
	}
	type outcome struct {
		db  js.Value
		err error
	}
	done := make(chan outcome, 1)
	var req js.Value
	if err := jsCall("opening the database", func() { req = factory.Call("open", name, version) }); err != nil {
		return nil, err
	}
	var fns []js.Func
	fn := func(f func(js.Value, []js.Value) any) js.Func {
		jf := js.FuncOf(f)
		fns = append(fns, jf)
		return jf
	}
	defer func() {
		for _, f := range fns {
			f.Release()
		}
	}()
	req.Set("onupgradeneeded", fn(func(js.Value, []js.Value) any {
		if err := jsCall("creating the database", func() { upgrade(req.Get("result")) }); err != nil {
			select {
			case done <- outcome{err: err}:
			default:
			}
		}
		return nil
	}))
	req.Set("onsuccess", fn(func(js.Value, []js.Value) any {
		select {
		case done <- outcome{db: req.Get("result")}:
		default:
		}
		return nil
	}))
	req.Set("onerror", fn(func(js.Value, []js.Value) any {
		select {
		case done <- outcome{err: domError(req.Get("error"), "opening the database")}:
		default:
		}
		return nil
	}))
	req.Set("onblocked", fn(func(js.Value, []js.Value) any {
		select {
		case done <- outcome{err: &idbError{Name: "BlockedError", Msg: "another tab of this page holds an older version of the runs database: close it and reload"}}:
		default:
		}
		return nil
	}))
	o := <-done
	if o.err != nil {
		return nil, o.err
	}
	// A newer page in another tab upgrades the database: let it, rather
	// than block it (this page's later writes then fail with a message).
	o.db.Set("onversionchange", js.FuncOf(func(this js.Value, _ []js.Value) any {
		this.Call("close")
		return nil
	}))
	return &idb{db: o.db}, nil
}

// tx runs fn in a transaction over stores (mode "readonly" or
// "readwrite") and waits until it completes; fn makes the requests.
// A request's failure aborts the transaction, and is the error returned.
func (d *idb) tx(stores []string, mode string, fn func(tx js.Value)) error {
	names := make([]any, len(stores))
	for i, s := range stores {
		names[i] = s
	}
	done := make(chan error, 1)
	var t js.Value
	if err := jsCall("starting a transaction", func() { t = d.db.Call("transaction", names, mode) }); err != nil {
		return err
	}
	finish := func(err error) {
		select {
		case done <- err:
		default:
		}
	}
	ok := js.FuncOf(func(js.Value, []js.Value) any { finish(nil); return nil })
	bad := js.FuncOf(func(js.Value, []js.Value) any { finish(domError(t.Get("error"), "storing")); return nil })
	defer ok.Release()
	defer bad.Release()
	t.Set("oncomplete", ok)
	t.Set("onerror", bad)
	t.Set("onabort", bad)
	if err := jsCall("storing", func() { fn(t) }); err != nil {
		jsCall("aborting", func() { t.Call("abort") })
		return err
	}
	return <-done
}

// getAll reads every value of a store.
func (d *idb) getAll(store string) ([]js.Value, error) {
	var req js.Value
	err := d.tx([]string{store}, "readonly", func(t js.Value) {
		req = t.Call("objectStore", store).Call("getAll")
	})
	if err != nil {
		return nil, err
	}
	all := req.Get("result")
	out := make([]js.Value, all.Length())
	for i := range out {
		out[i] = all.Index(i)
	}
	return out, nil
}

// get reads one value of a store (undefined when it has none).
func (d *idb) get(store string, key any) (js.Value, error) {
	var req js.Value
	err := d.tx([]string{store}, "readonly", func(t js.Value) {
		req = t.Call("objectStore", store).Call("get", key)
	})
	if err != nil {
		return js.Undefined(), err
	}
	return req.Get("result"), nil
}

// awaitPromise waits for a JavaScript promise.
func awaitPromise(p js.Value) (js.Value, error) {
	type outcome struct {
		v   js.Value
		err error
	}
	done := make(chan outcome, 1)
	then := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- outcome{v: args[0]}
		return nil
	})
	catch := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- outcome{err: domError(args[0], "the browser")}
		return nil
	})
	defer then.Release()
	defer catch.Release()
	p.Call("then", then, catch)
	o := <-done
	return o.v, o.err
}
