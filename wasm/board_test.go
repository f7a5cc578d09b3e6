package main

import (
	"strings"
	"testing"
)

func TestBoardRunPost(t *testing.T) {
	res := `{"lesson":"weather","model_text":"model = keras.Sequential()","model":"Sequential","params":1234,
		"history":{"loss":[3,2,1],"val_loss":[3.5,2.5,2],"rmse":[1.7,1.4,1]},"metrics":{"val_rmse":1.41,"test_rmse":1.5},"device":"cpu"}`
	p, err := boardRunPost([]byte(res), "abcdef123456", "Ada", "exercise 3", "http://10.0.0.2:8080/?lesson=weather")
	if err != nil {
		t.Fatal(err)
	}
	if p.Lesson != "weather" || p.Params != 1234 || p.Model != "model = keras.Sequential()" || p.Metrics["val_rmse"] != 1.41 ||
		len(p.Curves["val_loss"]) != 3 || p.Kind != "run" || p.Name != "Ada" {
		t.Errorf("%+v", p)
	}
	for what, c := range map[string]struct{ res, name, want string }{
		"no run":      {"", "Ada", "train the model first"},
		"failed run":  {`{"lesson":"weather","error":"out of memory"}`, "Ada", "did not finish"},
		"no name":     {res, "", `"name"`},
		"not JSON":    {"<html>", "Ada", "cannot be read"},
		"a long name": {res, strings.Repeat("n", 41), "at most 40"},
	} {
		if _, err := boardRunPost([]byte(c.res), "abcdef123456", c.name, "", ""); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", what, err, c.want)
		}
	}
}

// A kept run is shared as the last run is: its model, params, final
// metrics and curves reach the post.
func TestBoardKeptRunPost(t *testing.T) {
	r := Run{Lesson: "weather", ModelText: "Dense(10)\nDense(1)", ModelName: "model", Params: 901,
		History: map[string][]float64{"loss": {2, 1}, "val_loss": {2.5, 1.5}}, Metrics: map[string]float64{"val_rmse": 1.2}}
	p, err := boardRunPost(runBoardResult(r), "abcdef123456", "Ada", "exercise 3", "http://10.0.0.2:8080/?lesson=weather")
	if err != nil {
		t.Fatal(err)
	}
	if p.Lesson != "weather" || p.Params != 901 || p.Model != r.ModelText || p.Metrics["val_rmse"] != 1.2 ||
		len(p.Curves["val_loss"]) != 2 || len(p.Curves["loss"]) != 2 {
		t.Errorf("%+v", p)
	}
}
