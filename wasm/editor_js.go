//go:build js

package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"nnlab/keras"
	"nnlab/nn"
)

// The model editor: a model text that builds, its summary and its errors.

// modelEdited numbers the lines at once and rebuilds the summary 150 ms
// after the last keystroke. Typing in the editor takes its model as the
// one to train, over pasted code that failed.
func (a *app) modelEdited() {
	lineNumbers(value("model-text"), a.errLine)
	a.setCodeBlock("")
	a.markStale()
	n := a.editSeq.Add(1)
	time.Sleep(150 * time.Millisecond)
	if a.editSeq.Load() == n {
		a.checkModel()
	}
}

// checkModel builds the editor's model: the summary follows a model that
// builds; a line that does not parse or fit shows its error next to the
// editor, the previous summary stays (greyed) and Train is off until the
// text builds, so that Train always trains what the editor shows.
func (a *app) checkModel() {
	defer a.recoverModelText()
	defer a.markStale()
	defer a.showCodeStatus()
	l := a.lesson()
	in := l.input()
	if in == nil {
		return
	}
	text := value("model-text")
	m, err := a.buildModel(text, a.modelName(text), in)
	if err != nil {
		msg := err.Error()
		a.errLine = 0
		var ke *keras.Error
		if errors.As(err, &ke) {
			msg = fmt.Sprintf("Line %d, column %d: %s", ke.Line, ke.Col, ke.Msg)
			a.errLine = ke.Line
		}
		lineNumbers(text, a.errLine)
		a.setModelErr(msg)
		if a.validText != "" {
			msg += "\nThe summary shows the last model that built; Train is off until this line is fixed."
		}
		setText("model-error", msg)
		setHidden("model-error", false)
		byID("model-text").Get("classList").Call("add", "invalid")
		byID("summary").Get("classList").Call("add", "stale")
		a.refreshExport()
		return
	}
	a.mu.Lock()
	a.validText = text
	a.mu.Unlock()
	a.setModelErr("")
	a.errLine = 0
	lineNumbers(text, 0)
	if a.c != nil {
		setValue("c-preset", cifarPreset(text))
	}
	setHidden("model-error", true)
	byID("model-text").Get("classList").Call("remove", "invalid")
	byID("summary").Get("classList").Call("remove", "stale")
	setText("summary", m.Summary())
	a.refreshExport()
}

// buildModel builds a model text on the lesson's input and checks that it
// gives the lesson's outputs.
func (a *app) buildModel(text, name string, in *nn.InputLayer) (*nn.Model, error) {
	l := a.lesson()
	m, err := keras.BuildModel(text, name, in)
	if err == nil && m.OutputShape().Size() != l.outputs() {
		line := 1
		if lines, perr := keras.ParseLayers(text); perr == nil && len(lines) > 0 {
			line = lines[len(lines)-1].Pos.Line
		}
		err = &keras.Error{Pos: keras.Pos{Line: line, Col: 1},
			Msg: fmt.Sprintf("the last layer gives %d outputs, the lesson needs %d (e.g. Dense(%d))", m.OutputShape().Size(), l.outputs(), l.outputs())}
	}
	return m, err
}

// lineNumbers numbers the model editor's lines in its gutter, marking bad.
func lineNumbers(text string, bad int) { gutter("model-lines", "model-text", text, bad) }

// gutter numbers the lines of the textarea textID in the gutter linesID,
// marking bad.
func gutter(linesID, textID, text string, bad int) {
	g := byID(linesID)
	g.Set("textContent", "")
	n := strings.Count(text, "\n") + 1
	for i := 1; i <= n; i++ {
		if i > 1 {
			g.Call("append", "\n")
		}
		if i == bad {
			s := document.Call("createElement", "span")
			s.Set("className", "bad")
			s.Set("textContent", strconv.Itoa(i))
			s.Set("title", "this line has an error")
			g.Call("append", s)
			continue
		}
		g.Call("append", strconv.Itoa(i))
	}
	g.Set("scrollTop", byID(textID).Get("scrollTop"))
}
