package keras

// PenguinsEnv is the penguins lesson's data as its code names them: the
// prepared features and one-hot target (342 penguins after dropna), and
// train_test_split's train and test sets.
func PenguinsEnv(train, test int) Env {
	all := train + test
	return Env{Lesson: "penguins", Data: map[string][]int{
		"features": {all, 4}, "target": {all, 3},
		"X_train": {train, 4}, "y_train": {train, 3},
		"X_test": {test, 4}, "y_test": {test, 3},
	}}
}
