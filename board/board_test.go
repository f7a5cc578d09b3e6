package board

import (
	"errors"
	"strings"
	"testing"
)

const okRun = `{"id":"abcd1234","name":"Ada","lesson":"cifar10","exercise":"3","kind":"run","params":12,"metrics":{"val_accuracy":0.5},"curves":{"loss":[1,0.5]},"link":"http://10.0.0.2:8080/?lesson=cifar10"}`

func TestDecodePost(t *testing.T) {
	p, err := DecodePost(strings.NewReader(okRun))
	if err != nil || p.Name != "Ada" || p.Metrics["val_accuracy"] != 0.5 || len(p.Curves["loss"]) != 2 {
		t.Fatalf("%+v %v", p, err)
	}
	bad := map[string]string{
		"unknown field":   strings.Replace(okRun, `"kind"`, `"hidden":true,"kind"`, 1),
		"two values":      okRun + `{}`,
		"not JSON":        `name=Ada`,
		"no id":           strings.Replace(okRun, `"abcd1234"`, `""`, 1),
		"short id":        strings.Replace(okRun, `"abcd1234"`, `"abc"`, 1),
		"no name":         strings.Replace(okRun, `"Ada"`, `"  "`, 1),
		"long name":       strings.Replace(okRun, `"Ada"`, `"`+strings.Repeat("é", MaxNameRunes+1)+`"`, 1),
		"control in name": strings.Replace(okRun, `"Ada"`, `"A\u0007da"`, 1),
		"bad lesson":      strings.Replace(okRun, `"cifar10"`, `"<b>"`, 1),
		"bad kind":        strings.Replace(okRun, `"run"`, `"vote"`, 1),
		"negative params": strings.Replace(okRun, `"params":12`, `"params":-1`, 1),
		"run no metrics":  strings.Replace(okRun, `"metrics":{"val_accuracy":0.5}`, `"metrics":{}`, 1),
		"bad metric name": strings.Replace(okRun, `"val_accuracy"`, `"val accuracy<"`, 1),
		"javascript link": strings.Replace(okRun, `http://10.0.0.2:8080/?lesson=cifar10`, `javascript:alert(1)`, 1),
		"empty answer":    `{"id":"abcd1234","name":"Ada","lesson":"weather","kind":"answer","answer":" "}`,
		"long curve":      strings.Replace(okRun, `[1,0.5]`, "["+strings.Repeat("1,", MaxEpochs)+"1]", 1),
	}
	for what, body := range bad {
		if _, err := DecodePost(strings.NewReader(body)); err == nil {
			t.Errorf("%s: accepted", what)
		}
	}
	big := strings.Replace(okRun, `"kind"`, `"model":"`+strings.Repeat("x", MaxPostBytes)+`","kind"`, 1)
	if _, err := DecodePost(strings.NewReader(big)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a post over %d bytes: %v", MaxPostBytes, err)
	}
	// The message names the field.
	_, err = DecodePost(strings.NewReader(bad["long name"]))
	if err == nil || !strings.Contains(err.Error(), `"name"`) || !strings.Contains(err.Error(), "at most 40") {
		t.Errorf("the long name's message: %v", err)
	}
}
