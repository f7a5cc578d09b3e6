package main

import (
	"fmt"
	"strings"

	"nnlab/nn"
)

// The day-2 notes' exercises, at their places in the page: each question
// as the notes ask it and, where the page can work it out from the data
// or a model, its answer, revealed on demand (an instructor's link hides
// the answers: answers=hide).

// Exercise is one of the notes' exercises.
type Exercise struct {
	ID        string // the element it is shown in, "ex1" ...
	Title     string
	Intro     string
	Questions []Question
	// Setup names a button that puts the page in the exercise's state
	// ("" none), and Label is its text.
	Setup, Label string
}

// Question is a question and the page's answer ("" when the page has
// none: a question for the group, or an experiment).
type Question struct {
	Text, Answer string
}

// WeatherFacts are what the weather exercises' answers are made of.
type WeatherFacts struct {
	Rows        int
	First, Last string // the first and last DATE
	Features    int    // without DATE and MONTH
	Types       []string
	Stations    int
	Inputs      int    // the model's inputs for the chosen station(s)
	StationNote string // "all stations" or "station BASEL"
}

// WeatherExercises are exercises 1 to 4 of the notes.
func WeatherExercises(f WeatherFacts) []Exercise {
	return []Exercise{
		{ID: "ex1", Title: "Exercise 1: explore the dataset", Intro: "Let’s get a quick idea of the dataset.", Questions: []Question{
			{"How many data points do we have?", fmt.Sprintf("%d days, from %s to %s: one row a day.", f.Rows, f.First, f.Last)},
			{"How many features does the data have (don’t count month and date as a feature)?", fmt.Sprintf("%d: %d stations, each with some of the variable types below.", f.Features, f.Stations)},
			{"What are the different measured variable types in the data and how many are there (humidity etc.)?", fmt.Sprintf("%d: %s.", len(f.Types), strings.Join(f.Types, ", "))},
			{"(Optional) Plot the distributions of the different features in the dataset. What can you learn from this?",
				"Choose features under the histograms: some are skewed (precipitation, sunshine: many days with none), some bounded (humidity, cloud cover in eighths), some roughly normal (temperature, pressure); the scales differ a lot, which is why batch normalisation helps later."},
		}},
		{ID: "ex2", Title: "Exercise 2: architecture of the network", Intro: "As we want to design a neural network architecture for a regression task, see if you can first come up with the answers to the following questions:", Questions: []Question{
			{"What must be the dimension of our input layer?", fmt.Sprintf("%d: one input a feature (%s), as X_data.shape[1].", f.Inputs, f.StationNote)},
			{"What output layer design would you choose for regression?", "One node without an activation (linear): Dense(1). A softmax would squeeze the output into class probabilities; sunshine hours are one unbounded number."},
			{"(Optional) If next to the number of sunshine hours, we would also like to predict the precipitation. How would you go about this?",
				"Two output nodes, Dense(2), and y_data with the two columns BASEL_sunshine and BASEL_precipitation (the loss averages over both). The page trains one target (under Data); the terminal trains two: nnlab train weather --targets BASEL_sunshine,BASEL_precipitation."},
		}},
		{ID: "ex3", Title: "Exercise 3: reduce overfitting by lowering the number of parameters", Setup: "ex3-setup", Label: "Use 10 and 5 nodes",
			Intro: "Keep the architecture (2 dense layers + a one-node output layer) and only play with the number of nodes per layer. Lower the number of nodes in one or both dense layers and watch the training and validation losses.",
			Questions: []Question{
				{"Is it possible to get rid of overfitting this way?", "Not entirely: with fewer nodes the gap between the training and validation RMSE shrinks, but the validation loss still stops improving long before the training loss; early stopping is the next tool."},
				{"Does the overall performance suffer or does it mostly stay the same?", "It mostly stays the same: compare the validation RMSE in the results table (and the test RMSE against the baseline) for 100/50 and 10/5 nodes."},
				{"How low can you go with the number of parameters without notable effect on the performance on the validation set?",
					"The lesson settles on 10 and 5 nodes: 961 parameters instead of 14,101, with a similar validation RMSE; below a few hundred the validation RMSE rises."},
			}},
		{ID: "ex4", Title: "Exercise 4: simplify the model and add data", Setup: "ex4-setup", Label: "Set up: 9 years, BASEL only, the batch-norm model",
			Intro: "What happens if we limit ourselves to only one city? Use 8 or 9 years instead of 3, keep only Basel's columns (station BASEL under Data), and rerun the model with the BatchNorm layer; compare with the baseline.",
			Questions: []Question{
				{"Is the prediction better compared to what we had before?", "Compare the test RMSE and the baseline RMSE in the results table with the run on 3 years and all stations: with 9 years of Basel alone the network sees three times the days with a tenth of the features, and trains about as fast."},
				{"(Optional) Try to train a model on all years that are available, and all features from all cities. How does it perform?", ""},
			}},
	}
}

// CIFARFacts are what the CIFAR-10 exercises' answers are made of.
type CIFARFacts struct {
	H, W, C int
	Lo, Hi  uint8
	N       int // the training images chosen
	Classes int
	// Small is the notes' small convolutional network (cifar_model_small).
	Small *nn.Model
}

// CIFARExercises are exercises 5 and 6 and the recap.
func CIFARExercises(f CIFARFacts) []Exercise {
	in := f.H * f.W * f.C
	ex6 := []Question{
		{"What, do you think, happens to the border pixels when applying a convolution?",
			fmt.Sprintf("A 3×3 kernel without padding has no full window around them: the output loses one pixel on each side, %d×%d becomes %d×%d (see the summary's output shapes). padding='same' keeps the size by adding zeros around the image.", f.H, f.W, f.H-2, f.W-2)},
		{fmt.Sprintf("Suppose we apply a convolutional layer with 100 kernels of size 3 * 3 * 3 to our images of %d * %d * %d pixels. How many parameters do we have (no bias)? Compare this to the answer of the previous exercise.", f.H, f.W, f.C),
			fmt.Sprintf("100 × 3 × 3 × 3 = 2,700 weights, whatever the image size. A dense layer of 100 nodes on the flattened image (%s inputs) would have %s weights.", thousands(in), thousands(100*in))},
	}
	if m := f.Small; m != nil {
		big, bigN, flat := "", 0, ""
		for _, l := range m.Layers {
			n := 0
			for _, p := range l.(interface{ Params() []*nn.Param }).Params() {
				n += p.Size()
			}
			if n > bigN {
				big, bigN = l.Name(), n
			}
			if l.Type() == "Flatten" {
				flat = l.(interface{ OutputShape() nn.Shape }).OutputShape().String()
			}
		}
		ex6 = append(ex6,
			Question{"A small convolutional network (the notes' cifar_model_small): what do you think is the function of the Flatten layer?",
				fmt.Sprintf("It turns the last convolution's output, a stack of feature maps, into one long vector %s, which the Dense layer needs as input.", flat)},
			Question{"Which layer has the most parameters? Do you find this intuitive?",
				fmt.Sprintf("The Dense layer (%s), with %s of the model's %s parameters: it connects every value of the flattened maps to each of the 10 outputs, while a convolution's kernels are shared over the whole image. Pooling (the next model) shrinks it.", big, thousands(bigN), thousands(countParams(m)))},
		)
	}
	return []Exercise{
		{ID: "ex5", Title: "Exercise 5: explore the data", Intro: "Familiarize yourself with the CIFAR10 dataset. To start, consider the following questions:", Questions: []Question{
			{"What is the dimension of a single data point? What do you think the dimensions mean?", fmt.Sprintf("(%d, %d, %d): %d rows and %d columns of pixels, and %d colour channels (red, green, blue).", f.H, f.W, f.C, f.H, f.W, f.C)},
			{"What is the range of values that your input data takes?", fmt.Sprintf("%d to %d: one byte a channel; divided by 255.0 for the network.", f.Lo, f.Hi)},
			{"What is the shape of the labels, and how many labels do we have?", fmt.Sprintf("(%d, 1): one label an image, a class number 0..%d; %d classes.", f.N, f.Classes-1, f.Classes)},
			{"(Optional) Browse the web for existing architectures or pre-trained models that are likely to work well on this type of data. Why do they work well?", ""},
		}},
		{ID: "ex6", Title: "Exercise 6: convolutional neural networks", Intro: "In groups of 3/4, answer the following questions.", Questions: ex6},
		{ID: "recap", Title: "Recap", Intro: "Take a few minutes to write down your thoughts on what we learned about deep learning in this course:", Questions: []Question{
			{"What questions do you still have?", ""},
			{"Are there incremental improvements that can benefit your projects?", ""},
			{"What’s nice that we learnt but is overkill for your current work?", ""},
		}},
	}
}

func countParams(m *nn.Model) int {
	n, _, _ := m.CountParams()
	return n
}

// CIFARValidationNote says why the CIFAR-10 lesson's validation and test
// columns are the same.
const CIFARValidationNote = "The lesson validates on the test set (validation_data=(test_images, test_labels)), so the validation and test " +
	"numbers are the same images: CIFAR-10 comes as a training and a test set, and the lesson keeps every training image for training. " +
	"A real project holds out part of the training set for validation, and looks at the test set once, at the end."
