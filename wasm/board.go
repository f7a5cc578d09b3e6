package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"nnlab/board"
)

// boardResult is what the board takes from a lesson's result (the JSON of
// #nnlab-result, or a kept run's, which has the same keys).
type boardResult struct {
	Lesson    string               `json:"lesson"`
	ModelText string               `json:"model_text"`
	Model     string               `json:"model"`
	Params    int64                `json:"params"`
	History   map[string][]float64 `json:"history"`
	Metrics   map[string]float64   `json:"metrics"`
	Error     string               `json:"error"`
}

// runBoardResult is a kept run (the runs table) in the keys of a result,
// so that it is shared the way the last run is.
func runBoardResult(r Run) []byte {
	b, err := json.Marshal(boardResult{Lesson: r.Lesson, ModelText: r.ModelText, Model: r.ModelName,
		Params: int64(r.Params), History: r.History, Metrics: r.Metrics})
	if err != nil {
		panic(err) // maps of strings to numbers always marshal
	}
	return b
}

// boardRunPost turns a run's result into the post that shares it on the
// class board: its model, params, final metrics and per-epoch curves, the
// link that reproduces it. A result with no finished fit is an error in
// words for the learner.
func boardRunPost(result []byte, id, name, exercise, link string) (board.Post, error) {
	var r boardResult
	if len(result) == 0 {
		return board.Post{}, errors.New("there is no run to share yet: train the model first")
	}
	if err := json.Unmarshal(result, &r); err != nil {
		return board.Post{}, fmt.Errorf("the last run's result cannot be read: %v", err)
	}
	if r.Error != "" || len(r.Metrics) == 0 {
		return board.Post{}, errors.New("the last run did not finish: train the model, then share it")
	}
	model := r.ModelText
	if model == "" {
		model = r.Model
	}
	if len(model) > board.MaxModelBytes {
		model = model[:board.MaxModelBytes]
	}
	p := board.Post{ID: id, Name: name, Lesson: r.Lesson, Exercise: exercise, Kind: board.KindRun,
		Model: model, Params: r.Params, Metrics: map[string]float64{}, Curves: map[string][]float64{}, Link: link}
	for _, k := range sortedKeys(r.Metrics) {
		if len(p.Metrics) < board.MaxMetrics {
			p.Metrics[k] = r.Metrics[k]
		}
	}
	// Losses and validation curves first when a model logs more than fit.
	keys := sortedKeys(r.History)
	sort.SliceStable(keys, func(i, j int) bool { return rankCurve(keys[i]) < rankCurve(keys[j]) })
	for _, k := range keys {
		c := r.History[k]
		if len(p.Curves) == board.MaxCurves || len(c) == 0 {
			continue
		}
		if len(c) > board.MaxEpochs {
			c = c[len(c)-board.MaxEpochs:]
		}
		p.Curves[k] = c
	}
	return p, p.Check()
}

func rankCurve(k string) int {
	switch k {
	case "loss", "val_loss":
		return 0
	}
	return 1
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
