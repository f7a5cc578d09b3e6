package main

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

func TestNewHist(t *testing.T) {
	h := NewHist("x", []float64{0, 1, 2, 3, 4, math.NaN(), 10}, 5)
	if h.Lo != 0 || h.Hi != 10 || !reflect.DeepEqual(h.Counts, []int{2, 2, 1, 0, 1}) {
		t.Errorf("got %+v", h)
	}
	// numpy.histogram([3, 3], 2): range (2.5, 3.5), both in the upper bin.
	h = NewHist("c", []float32{3, 3}, 2)
	if h.Lo != 2.5 || h.Hi != 3.5 || !reflect.DeepEqual(h.Counts, []int{0, 2}) {
		t.Errorf("constant values: %+v", h)
	}
	if h := NewHist[float32]("e", nil, 3); h.Max() != 0 || len(h.Counts) != 3 {
		t.Errorf("empty: %+v", h)
	}
}

func TestViewStateApply(t *testing.T) {
	var v ViewState
	v.Apply(Msg{Kind: MsgLesson, Lesson: "weather"})
	v.Apply(Msg{Kind: MsgFeatures, Features: []Hist{{Name: "a"}}})
	v.Apply(Msg{Kind: MsgRun, Epochs: 3, Keys: []string{"loss", "val_loss"}, Status: "training"})
	v.Apply(Msg{Kind: MsgEpoch, Epoch: 0, Logs: map[string]float64{"loss": 2, "val_loss": 3}, Weights: []Hist{{Name: "dense/kernel"}}})
	v.Apply(Msg{Kind: MsgProgress, Epoch: 1, Step: 5, Steps: 24})
	v.Apply(Msg{Kind: MsgEpoch, Epoch: 1, Logs: map[string]float64{"loss": 1, "val_loss": 2.5}})
	if v.Epoch != 2 || v.Step != 0 || !reflect.DeepEqual(v.History["loss"], []float64{2, 1}) || len(v.Weights) != 2 || len(v.Features) != 1 {
		t.Errorf("after two epochs: %+v", v)
	}
	v.Apply(Msg{Kind: MsgRun, Epochs: 5})
	if len(v.History["loss"]) != 0 || v.Epoch != 0 || len(v.Features) != 1 {
		t.Errorf("a new run keeps the data plots and drops the curves: %+v", v)
	}
	v.Apply(Msg{Kind: MsgLesson, Lesson: "cifar"})
	if v.Lesson != "cifar" || v.Features != nil {
		t.Errorf("a new lesson resets: %+v", v)
	}
}

// Replaying a MsgLog gives the state that the messages gave.
func TestMsgLogReplay(t *testing.T) {
	msgs := []Msg{
		{Kind: MsgLesson, Lesson: "weather"},
		{Kind: MsgFeatures, Features: []Hist{{Name: "a"}}},
		{Kind: MsgRun, Epochs: 2, Status: "training"},
		{Kind: MsgProgress, Step: 3, Steps: 9},
		{Kind: MsgEpoch, Epoch: 0, Logs: map[string]float64{"loss": 1}},
		{Kind: MsgFeatures, Features: []Hist{{Name: "b"}}},
		{Kind: MsgProgress, Step: 4, Steps: 9},
		{Kind: MsgStatus, Status: "stopped"},
		{Kind: MsgRun, Epochs: 4, Status: "training"},
		{Kind: MsgEpoch, Epoch: 0, Logs: map[string]float64{"loss": 5}},
		{Kind: MsgWeather, Scatter: &Scatter{TestRMSE: 3}},
	}
	var direct ViewState
	var log MsgLog
	for _, m := range msgs {
		direct.Apply(m)
		log.Add(m)
	}
	// Through JSON, as postMessage carries them.
	b, err := json.Marshal(log.Msgs)
	if err != nil {
		t.Fatal(err)
	}
	var back []Msg
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	var replayed ViewState
	for _, m := range back {
		replayed.Apply(m)
	}
	direct.Version, replayed.Version = 0, 0
	if !reflect.DeepEqual(direct, replayed) {
		t.Errorf("replay differs:\n direct   %+v\n replayed %+v", direct, replayed)
	}
	if len(log.Msgs) != 5 {
		t.Errorf("the log keeps %d messages, want 5 (lesson, features, run, epoch, weather): %+v", len(log.Msgs), log.Msgs)
	}
}
