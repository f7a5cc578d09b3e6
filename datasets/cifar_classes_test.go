package datasets

import "testing"

// CIFAR-10's class names are in label order, the dataset's own
// (batches.meta.txt of cifar-10-binary.tar.gz; keras.datasets.cifar10
// documents the same): label 0 is airplane, 9 is truck. A swap mislabels
// every grid caption and confusion-matrix row the learner sees.
func TestCIFARClassNamesInLabelOrder(t *testing.T) {
	want := [10]string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}
	if CIFARClasses != want {
		t.Errorf("CIFARClasses = %q, CIFAR-10's label order is %q", CIFARClasses, want)
	}
	for label, name := range want {
		if got := ClassName(label); got != name {
			t.Errorf("ClassName(%d) = %q, want %q", label, got, name)
		}
	}
	if got := ClassName(10); got != "class 10" {
		t.Errorf("ClassName(10) = %q, want \"class 10\"", got)
	}
	if got := ClassName(-1); got != "class -1" {
		t.Errorf("ClassName(-1) = %q, want \"class -1\"", got)
	}
}
