package modelfile

import (
	"encoding/json"
	"fmt"

	"nnlab/nn"
)

// WithOutputActivation returns s with its last layer, a Dense, given the
// activation act ("softmax", or "linear" for its logits), on a new model
// that shares s's weights. A classifier nnlab trains from logits (the
// penguins lesson's, see lab.PenguinsModel) is saved as the model the
// lesson's Keras code builds, its last Dense a softmax; evaluating such a
// file takes the logits back, as Keras's crossentropy does for a softmax
// output.
func (s *Saved) WithOutputActivation(act string) (*Saved, error) {
	if s == nil || s.Model == nil {
		return nil, fmt.Errorf("modelfile: no model")
	}
	last := s.Model.Layers[len(s.Model.Layers)-1]
	if _, ok := last.(*nn.DenseLayer); !ok {
		return nil, fmt.Errorf("modelfile: the model ends in a %s layer, not a Dense one whose activation could be %s", last.Type(), act)
	}
	t, err := topology(keras3, s.Model)
	if err != nil {
		return nil, err
	}
	// Through JSON, as a file's config is read.
	b, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, err
	}
	layers := t["config"].(obj)["layers"].([]any)
	layers[len(layers)-1].(obj)["config"].(obj)["activation"] = act
	m, err := fromTopology(t)
	if err != nil {
		return nil, fmt.Errorf("modelfile: %w", err)
	}
	return &Saved{Model: m, Weights: s.Weights, Compile: s.Compile, Lesson: s.Lesson}, nil
}

// OutputActivation is the last layer's activation: "softmax", "linear",
// another name, or "" when the model ends in a layer without one.
func (s *Saved) OutputActivation() string {
	switch l := s.Model.Layers[len(s.Model.Layers)-1].(type) {
	case *nn.DenseLayer:
		return actName(l.Activation)
	case *nn.ActivationLayer:
		return actName(l.Activation)
	}
	return ""
}

// ForLogits is s as the model that gives logits, and whether it does: a
// model ending in a softmax Dense gives way to its linear twin (the
// crossentropy Keras reports for a softmax output is taken from the
// logits behind it, and with unscaled inputs the clipped probabilities
// would say another loss); a linear last Dense gives logits already; any
// other ending gives what it gives (false).
func (s *Saved) ForLogits() (*Saved, bool, error) {
	_, dense := s.Model.Layers[len(s.Model.Layers)-1].(*nn.DenseLayer)
	switch act := s.OutputActivation(); {
	case dense && act == "softmax":
		ls, err := s.WithOutputActivation("linear")
		return ls, err == nil, err
	case dense && act == "linear":
		return s, true, nil
	}
	return s, false, nil
}
