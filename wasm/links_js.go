//go:build js

package main

import (
	"net/url"
	"strings"
)

// The page's address and its links keep the learner's choices.

// deviceLinks makes the links between the lessons keep the device choice.
func deviceLinks(kind string) {
	q := ""
	if kind != "" && kind != "auto" {
		q = "device=" + url.QueryEscape(kind)
	}
	for id, base := range map[string]string{"open-weather": "?lesson=weather", "open-cifar": "?lesson=cifar", "open-penguins": "?lesson=penguins", "back": "./"} {
		href := base
		switch {
		case q == "":
		case strings.Contains(base, "?"):
			href += "&" + q
		default:
			href += "?" + q
		}
		byID(id).Set("href", href)
	}
}

// replaceQuery sets a parameter of the page's URL without reloading, so
// that the address can be shared.
func replaceQuery(key, val string) {
	loc := window.Get("location")
	q, err := url.ParseQuery(strings.TrimPrefix(loc.Get("search").String(), "?"))
	if err != nil {
		return
	}
	q.Set(key, val)
	window.Get("history").Call("replaceState", nil, "", "?"+q.Encode())
}
