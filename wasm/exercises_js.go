//go:build js

package main

import (
	"strconv"

	"nnlab/datasets"
	"nnlab/keras"
	"nnlab/nn"
)

// showExercises renders the lesson's exercises into their places: the
// questions, each answer in a closed <details> (none with answers=hide),
// and the buttons that set an exercise up.
func (a *app) showExercises(exs []Exercise) {
	for _, e := range exs {
		box := byID(e.ID)
		if box.IsNull() {
			continue
		}
		div := box.Call("querySelector", ":scope > .questions")
		if div.IsNull() {
			div = document.Call("createElement", "div")
			div.Set("className", "questions")
			if s := box.Call("querySelector", ":scope > summary"); !s.IsNull() {
				s.Set("textContent", e.Title)
				s.Call("after", div)
			} else {
				box.Call("prepend", div)
			}
			box.Set("open", true) // first shown with its questions in view, the answers closed
		}
		div.Set("innerHTML", "")
		if e.Intro != "" {
			p := document.Call("createElement", "p")
			p.Set("textContent", e.Intro)
			div.Call("appendChild", p)
		}
		ol := document.Call("createElement", "ol")
		for _, q := range e.Questions {
			li := document.Call("createElement", "li")
			li.Set("className", "question")
			p := document.Call("createElement", "p")
			p.Set("textContent", q.Text)
			li.Call("appendChild", p)
			if q.Answer != "" && !a.s.HideAnswers {
				d := document.Call("createElement", "details")
				d.Set("className", "answer")
				sum := document.Call("createElement", "summary")
				sum.Set("textContent", "Answer")
				d.Call("appendChild", sum)
				ans := document.Call("createElement", "p")
				ans.Set("textContent", q.Answer)
				d.Call("appendChild", ans)
				li.Call("appendChild", d)
			}
			ol.Call("appendChild", li)
		}
		div.Call("appendChild", ol)
		if a.s.HideAnswers {
			p := document.Call("createElement", "p")
			p.Set("className", "answers-hidden")
			p.Set("textContent", "The answers are hidden in this class: discuss them with your group and your instructor.")
			div.Call("appendChild", p)
		}
		if e.Setup != "" {
			b := document.Call("createElement", "button")
			b.Set("id", e.Setup)
			b.Set("className", "secondary")
			b.Set("textContent", e.Label)
			div.Call("appendChild", b)
			id := e.Setup
			on(id, "click", func() { a.setUpExercise(id) })
		}
		box.Set("hidden", false)
	}
	if a.s.HideAnswers {
		all := document.Call("querySelectorAll", "#lesson details.answer")
		for i := 0; i < all.Length(); i++ {
			all.Index(i).Set("hidden", true)
		}
	}
}

// setUpExercise puts the controls in an exercise's state, as the learner
// would set them (each control's own handlers run).
func (a *app) setUpExercise(id string) {
	switch id {
	case "ex3-setup":
		a.setModelText("Dense(10, activation=\"relu\")\nDense(5, activation=\"relu\")\nDense(1)\n")
	case "ex4-setup":
		setControl("w-years", "9")
		setControl("w-station", "BASEL")
		setChecked("early", true)
		setControl("patience", "10")
		setControl("epochs", "1000")
		a.setModelText("BatchNormalization()\nDense(100, activation=\"relu\")\nDense(50, activation=\"relu\")\nDense(1)\n")
	}
	byID("train").Call("focus", map[string]any{"preventScroll": true})
}

// setModelText sets the model editor's text as typing would.
func (a *app) setModelText(text string) {
	a.setCodeBlock("")
	setValue("model-text", text)
	lineNumbers(text, 0)
	a.checkModel()
}

// setControl sets a control's value and tells its listeners.
func setControl(id, v string) {
	e := byID(id)
	e.Set("value", v)
	for _, ev := range []string{"input", "change"} {
		e.Call("dispatchEvent", window.Get("Event").New(ev, map[string]any{"bubbles": true}))
	}
}

// weatherExercises are the weather exercises for the loaded data.
func (w *weatherLesson) exercises() []Exercise {
	wd := w.data
	station := "all stations"
	if s := value("w-station"); s != "" {
		station = "station " + s
	}
	return WeatherExercises(WeatherFacts{Rows: wd.Rows(), First: strconv.FormatFloat(wd.Data[0][0], 'f', 0, 64),
		Last: strconv.FormatFloat(wd.Data[wd.Rows()-1][0], 'f', 0, 64), Features: len(wd.Features()),
		Types: wd.VariableTypes(), Stations: len(wd.Stations()), Inputs: w.features, StationNote: station})
}

// exercises are the CIFAR-10 exercises for the loaded images.
func (c *cifarLesson) exercises() []Exercise {
	tr := c.trainSet
	n, _ := cifarShown(intValue("c-n", 2000), intValue("c-testn", 1000), c.trainTotal, c.testTotal)
	small, err := keras.BuildModel(CIFARPresetText("small"), "cifar_model_small", nn.Input(tr.H, tr.W, tr.C))
	if err != nil {
		small = nil
	}
	return CIFARExercises(CIFARFacts{H: tr.H, W: tr.W, C: tr.C, Lo: c.lo, Hi: c.hi, N: n, Classes: len(datasets.CIFARClasses), Small: small})
}
