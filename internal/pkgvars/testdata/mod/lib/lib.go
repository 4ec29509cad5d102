// Package lib has exported variables that other packages of its module write.
package lib

// Setting is written by the tool.
var Setting = 1

// Other is written by the external test.
var Other = 1

// Table is only read.
var Table = []string{"a"}
