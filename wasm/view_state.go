package main

import (
	"math"
	"slices"
)

// The lab page (app mode) trains; its plots run in an iframe (view mode,
// view.html) that loads the same program, because Ebiten takes over the page
// it runs in. The page sends the plots Msgs as JSON with postMessage; the
// view applies them to its ViewState, which Draw reads.

// Msg kinds.
const (
	MsgLesson   = "lesson"   // a lesson was opened: everything is reset
	MsgFeatures = "features" // exercise 1 histograms of chosen weather features
	MsgImages   = "images"   // the 5x5 grid of training images (exercise 5)
	MsgRun      = "run"      // a training run starts: curves and results are reset
	MsgEpoch    = "epoch"    // one epoch's logs and weight histograms
	MsgProgress = "progress" // steps done in the current epoch
	MsgWeather  = "weather"  // predicted-vs-true scatter data after a weather run
	MsgCIFAR    = "cifar"    // test predictions and the confusion matrix after a CIFAR-10 run
	MsgStatus   = "status"   // a line of status text (training, stopped, done, an error)
	MsgPairs    = "pairs"    // the penguins' pair plot (its data and hue)
)

// Msg is one update from the lab page to its plots.
type Msg struct {
	Kind   string `json:"kind"`
	Lesson string `json:"lesson,omitempty"`

	Features []Hist    `json:"features,omitempty"`
	Images   *ImageSet `json:"images,omitempty"`

	// MsgRun: the run's title, loss, planned epochs and the History keys
	// in Keras's order.
	Title  string   `json:"title,omitempty"`
	Loss   string   `json:"loss,omitempty"`
	Epochs int      `json:"epochs,omitempty"`
	Keys   []string `json:"keys,omitempty"`

	// MsgEpoch; Epoch is 0-based. MsgProgress uses Epoch, Step and Steps.
	Epoch   int                `json:"epoch,omitempty"`
	Logs    map[string]float64 `json:"logs,omitempty"`
	Weights []Hist             `json:"weights,omitempty"`
	Step    int                `json:"step,omitempty"`
	Steps   int                `json:"steps,omitempty"`

	Scatter *Scatter     `json:"scatter,omitempty"`
	Preds   *Predictions `json:"preds,omitempty"`
	Pairs   *PairPlot    `json:"pairs,omitempty"`

	Status string `json:"status,omitempty"`
}

// Hist is a histogram of Counts over [Lo, Hi] in equal bins.
type Hist struct {
	Name   string  `json:"name"`
	Lo     float64 `json:"lo"`
	Hi     float64 `json:"hi"`
	Counts []int   `json:"counts"`
}

// NewHist bins values into bins equal bins over their range (numpy's
// histogram: the last bin includes the maximum). Non-finite values are left out.
func NewHist[T float32 | float64](name string, values []T, bins int) Hist {
	h := Hist{Name: name, Lo: math.Inf(1), Hi: math.Inf(-1), Counts: make([]int, bins)}
	for _, v := range values {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		h.Lo, h.Hi = min(h.Lo, f), max(h.Hi, f)
	}
	if h.Lo > h.Hi { // no finite values
		h.Lo, h.Hi = 0, 1
		return h
	}
	if h.Lo == h.Hi { // numpy widens a zero range by 0.5 each side
		h.Lo, h.Hi = h.Lo-0.5, h.Hi+0.5
	}
	w := (h.Hi - h.Lo) / float64(bins)
	for _, v := range values {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		b := int((f - h.Lo) / w)
		h.Counts[min(max(b, 0), bins-1)]++
	}
	return h
}

// Max is the largest count.
func (h Hist) Max() int {
	if len(h.Counts) == 0 {
		return 0
	}
	return slices.Max(h.Counts)
}

// ImageSet is a few RGB images with captions (class names, or
// "predicted / true" with Wrong set where they differ).
type ImageSet struct {
	W        int      `json:"w"`
	H        int      `json:"h"`
	Pixels   []byte   `json:"pixels"` // N images of H rows of W RGB pixels
	Captions []string `json:"captions"`
	Wrong    []bool   `json:"wrong,omitempty"`
}

// N is the number of images.
func (s *ImageSet) N() int {
	if s == nil || s.W*s.H == 0 {
		return 0
	}
	return len(s.Pixels) / (s.W * s.H * 3)
}

// Scatter is the data of the lesson's predicted-vs-true plots.
type Scatter struct {
	Target       string    `json:"target"`
	TrainPred    []float32 `json:"train_pred"`
	TrainTrue    []float32 `json:"train_true"`
	TestPred     []float32 `json:"test_pred"`
	TestTrue     []float32 `json:"test_true"`
	Baseline     []float32 `json:"baseline,omitempty"` // today's value as the prediction for tomorrow (test set)
	TrainRMSE    float64   `json:"train_rmse"`
	TestRMSE     float64   `json:"test_rmse"`
	BaselineRMSE float64   `json:"baseline_rmse,omitempty"`
}

// Predictions are a CIFAR-10 run's test results.
type Predictions struct {
	Images    ImageSet    `json:"images"`
	Confusion [10][10]int `json:"confusion"` // [true][predicted]
	Classes   []string    `json:"classes"`
	Accuracy  float64     `json:"accuracy"`
}

// ViewState is everything the plots show; Version changes with every Msg.
type ViewState struct {
	Lesson   string
	Features []Hist
	Images   *ImageSet

	Title   string
	Loss    string // the loss's name, e.g. mse
	Epochs  int    // planned
	Keys    []string
	History map[string][]float64
	Weights [][]Hist // [epoch][layer]
	Epoch   int      // epochs logged
	Step    int
	Steps   int

	Scatter *Scatter
	Preds   *Predictions
	Pairs   *PairPlot
	Status  string

	Version int
}

// Apply updates the state with one message.
func (v *ViewState) Apply(m Msg) {
	v.Version++
	switch m.Kind {
	case MsgLesson:
		*v = ViewState{Lesson: m.Lesson, Version: v.Version, Status: m.Status}
	case MsgFeatures:
		v.Features = m.Features
	case MsgImages:
		v.Images = m.Images
	case MsgRun:
		v.Title, v.Loss, v.Epochs, v.Keys = m.Title, m.Loss, m.Epochs, m.Keys
		v.History = map[string][]float64{}
		v.Weights, v.Epoch, v.Step, v.Steps = nil, 0, 0, 0
		v.Scatter, v.Preds = nil, nil
		v.Status = m.Status
	case MsgEpoch:
		if v.History == nil {
			v.History = map[string][]float64{}
		}
		for k, x := range m.Logs {
			if !slices.Contains(v.Keys, k) {
				v.Keys = append(v.Keys, k)
			}
			v.History[k] = append(v.History[k], x)
		}
		v.Weights = append(v.Weights, m.Weights)
		v.Epoch = m.Epoch + 1
		v.Step, v.Steps = 0, 0
	case MsgProgress:
		v.Step, v.Steps = m.Step, m.Steps
	case MsgWeather:
		v.Scatter = m.Scatter
	case MsgCIFAR:
		v.Preds = m.Preds
	case MsgPairs:
		v.Pairs = m.Pairs
	case MsgStatus:
		v.Status = m.Status
	}
}

// MsgLog keeps the messages that make up the current state, so that a view
// that (re)loads can be brought up to date by replaying them. Messages that
// a later one supersedes are dropped.
type MsgLog struct {
	Msgs []Msg
}

// Add appends m, dropping what it supersedes.
func (l *MsgLog) Add(m Msg) {
	keep := func(drop ...string) {
		l.Msgs = slices.DeleteFunc(l.Msgs, func(o Msg) bool { return slices.Contains(drop, o.Kind) })
	}
	switch m.Kind {
	case MsgLesson:
		l.Msgs = l.Msgs[:0]
	case MsgFeatures, MsgImages, MsgStatus, MsgPairs:
		keep(m.Kind)
	case MsgRun:
		keep(MsgRun, MsgEpoch, MsgProgress, MsgWeather, MsgCIFAR, MsgStatus)
	case MsgProgress:
		keep(MsgProgress)
	case MsgEpoch:
		keep(MsgProgress)
	}
	l.Msgs = append(l.Msgs, m)
}
