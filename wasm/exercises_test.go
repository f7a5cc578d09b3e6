package main

import (
	"strings"
	"testing"

	"nnlab/keras"
	"nnlab/nn"
)

// Every exercise of the notes is there with its questions, and the
// answers the page computes follow the data and the models.
func TestExercises(t *testing.T) {
	w := WeatherExercises(WeatherFacts{Rows: 3654, First: "20000101", Last: "20091231", Features: 89, Stations: 11,
		Types: []string{"cloud_cover", "humidity"}, Inputs: 9, StationNote: "station BASEL"})
	small, err := keras.BuildModel(CIFARPresetText("small"), "cifar_model_small", nn.Input(32, 32, 3))
	if err != nil {
		t.Fatal(err)
	}
	c := CIFARExercises(CIFARFacts{H: 32, W: 32, C: 3, Lo: 0, Hi: 255, N: 500, Classes: 10, Small: small})
	var ids []string
	questions := 0
	for _, e := range append(w, c...) {
		ids = append(ids, e.ID)
		questions += len(e.Questions)
	}
	if got := strings.Join(ids, " "); got != "ex1 ex2 ex3 ex4 ex5 ex6 recap" {
		t.Errorf("exercises %s", got)
	}
	// The notes ask 4+3+3+2 weather, 4+4 CIFAR and 3 recap questions.
	if questions != 23 {
		t.Errorf("%d questions, the notes ask 23", questions)
	}
	answers := map[string]string{}
	for _, e := range append(w, c...) {
		for i, q := range e.Questions {
			answers[e.ID+"."+string(rune('1'+i))] = q.Answer
		}
	}
	for key, want := range map[string]string{
		"ex1.1": "3654 days, from 20000101 to 20091231", "ex1.2": "89: 11 stations", "ex1.3": "2: cloud_cover, humidity",
		"ex2.1": "9: one input a feature (station BASEL)", "ex2.2": "Dense(1)",
		"ex5.1": "(32, 32, 3)", "ex5.2": "0 to 255", "ex5.3": "(500, 1)", "ex6.1": "32×32 becomes 30×30", "ex6.2": "2,700 weights",
		"ex6.3": "(None, 25088)", "ex6.4": "The Dense layer (dense), with 250,890 of the model's 261,034 parameters",
	} {
		if !strings.Contains(answers[key], want) {
			t.Errorf("%s: answer %q, want it to say %q", key, answers[key], want)
		}
	}
}
