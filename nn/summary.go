package nn

import (
	"fmt"
	"strings"
)

// Summary returns the model's table as tf.keras 2.x's model.summary() prints
// it (line length 65, columns at 45%, 85% and 100%, long fields wrapped):
//
//	Model: "weather_prediction_model"
//	_________________________________________________________________
//	 Layer (type)                Output Shape              Param #
//	=================================================================
//	 input (InputLayer)          [(None, 89)]              0
//	...
func (m *Model) Summary() string {
	const width = 65
	pos := []int{29, 55, width} // int(65*0.45), int(65*0.85)
	var b strings.Builder
	fmt.Fprintf(&b, "Model: %q\n", m.Name)
	b.WriteString(strings.Repeat("_", width) + "\n")
	summaryRow(&b, pos, "Layer (type)", "Output Shape", "Param #")
	b.WriteString(strings.Repeat("=", width) + "\n")
	summaryRow(&b, pos, m.Input.Name+" (InputLayer)", "["+m.Input.Shape.String()+"]", "0")
	b.WriteString(strings.Repeat(" ", width) + "\n")
	for _, l := range m.Layers {
		n := 0
		for _, p := range l.base().params {
			n += p.Size()
		}
		summaryRow(&b, pos, l.Name()+" ("+l.Type()+")", l.base().out.String(), fmt.Sprint(n))
		b.WriteString(strings.Repeat(" ", width) + "\n")
	}
	total, train, non := m.CountParams()
	b.WriteString(strings.Repeat("=", width) + "\n")
	fmt.Fprintf(&b, "Total params: %s\n", commas(total))
	fmt.Fprintf(&b, "Trainable params: %s\n", commas(train))
	fmt.Fprintf(&b, "Non-trainable params: %s\n", commas(non))
	b.WriteString(strings.Repeat("_", width) + "\n")
	return b.String()
}

// summaryRow is Keras's print_row: each field is cut to its column (leaving
// two spaces), preferring a break after "),", and what is left over goes on
// the following lines.
func summaryRow(b *strings.Builder, pos []int, fields ...string) {
	left := append([]string(nil), fields...)
	for {
		any := false
		for _, f := range left {
			if f != "" {
				any = true
			}
		}
		if !any {
			return
		}
		line := ""
		for col := range left {
			start := 0
			if col > 0 {
				start = pos[col-1]
			}
			space := 2
			if col == len(pos)-1 {
				space = 0
			}
			cut := min(pos[col]-start-space, len(left[col]))
			fit := left[col][:cut]
			best := -1
			for _, sep := range []string{"),", "},", "],", "',"} {
				if i := strings.Index(fit, sep); i >= 0 && (best < 0 || i+len(sep) < best) {
					best = i + len(sep)
				}
			}
			if best >= 0 {
				cut, fit = best, fit[:best]
			}
			if col == 0 {
				line += " "
			}
			line += fit + strings.Repeat(" ", space)
			left[col] = left[col][cut:]
			if pad := pos[col] - len(line); pad > 0 {
				line += strings.Repeat(" ", pad)
			}
		}
		b.WriteString(line + "\n")
	}
}

// commas formats 14101 as 14,101.
func commas(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
