module nnlab

go 1.26
