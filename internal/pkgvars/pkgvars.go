// Package pkgvars finds the package-level variables of Go packages that are not immutable tables: variables
// that some code writes after initialisation, whose address is taken, on which a pointer method is called, or
// that hold synchronisation state (sync, sync/atomic, channels). nlkit's test of its library packages uses it;
// what it accepts are error sentinels, lookup tables written only by their declaration or an init function, and
// interface assertions (var _ I = ...). An exported number, string, bool or function is a setting any importer
// may change, and is reported even when the module never writes it.
//
// The check is static and conservative in one direction only: it reports a variable it cannot show to be
// unwritten. It does not follow aliases (a table copied into a local and written through it) or writes made by
// functions a table is passed to.
package pkgvars

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Finding is one package-level variable that is not an immutable table.
type Finding struct {
	// Var is "import/path.Name".
	Var string
	// Pos is where it is declared.
	Pos token.Position
	// Reason says why it is mutable, with where it is written.
	Reason string
}

func (f Finding) String() string { return fmt.Sprintf("%s: %s: %s", f.Pos, f.Var, f.Reason) }

// Checker checks packages. Its zero value is not usable: see New.
type Checker struct {
	fset *token.FileSet
	ctx  build.Context
	imp  types.ImporterFrom
	// writes maps "path.Name" to where code outside the package (another package, an external test) writes it.
	writes map[string]token.Position
}

// New returns a Checker that type-checks with the build context ctx (GOOS, tags).
func New(ctx build.Context) *Checker {
	fset := token.NewFileSet()
	return &Checker{fset: fset, ctx: ctx, imp: importer.ForCompiler(fset, "source", nil).(types.ImporterFrom),
		writes: map[string]token.Position{}}
}

// Library is a directory of a library package and its import path.
type Library struct {
	Dir, Path string
}

// Module lists the library packages of the module at root: every directory with Go files except testdata, those
// under the skipped top-level directories (cmd, examples...) and nested modules; and it records every write
// the module's other code (the skipped directories, external tests) makes to their variables.
func (c *Checker) Module(root string, skip ...string) ([]Library, error) {
	modPath, err := modulePath(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, err
	}
	var libs []Library
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		name := d.Name()
		if path != root {
			if name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
		}
		files, err := filepath.Glob(filepath.Join(path, "*.go"))
		if err != nil || len(files) == 0 {
			return err
		}
		imp := modPath
		if rel != "." {
			imp += "/" + filepath.ToSlash(rel)
		}
		top := strings.Split(filepath.ToSlash(rel), "/")[0]
		if !slices.Contains(skip, top) {
			libs = append(libs, Library{Dir: path, Path: imp})
		}
		// Writes by import name: from every file of the module, the library's own included (its external test
		// package is such a file; its internal ones are type-checked with it).
		for _, f := range files {
			if err := c.scanQualifiedWrites(f); err != nil {
				return err
			}
		}
		return nil
	})
	return libs, err
}

func modulePath(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if p, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(p), `"`), nil
		}
	}
	return "", fmt.Errorf("%s: no module line", gomod)
}

// scanQualifiedWrites records the writes file makes to other packages' variables, named as pkg.Name (syntax
// only: the import's name maps pkg to its path).
func (c *Checker) scanQualifiedWrites(file string) error {
	f, err := parser.ParseFile(c.fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	imports := map[string]string{} // name in the file -> path
	for _, is := range f.Imports {
		p, _ := strconv.Unquote(is.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if is.Name != nil {
			name = is.Name.Name
		}
		imports[name] = p
	}
	qualified := func(e ast.Expr) (string, bool) {
		sel, ok := rootSelector(e)
		if !ok {
			return "", false
		}
		x, ok := sel.X.(*ast.Ident)
		if !ok {
			return "", false
		}
		p, ok := imports[x.Name]
		return p + "." + sel.Sel.Name, ok
	}
	walkWrites(f, func(e ast.Expr, _ string, method bool) {
		if method {
			return // not known by syntax; another package's pointer methods on a variable are left unchecked
		}
		if key, ok := qualified(e); ok {
			if _, seen := c.writes[key]; !seen {
				c.writes[key] = c.fset.Position(e.Pos())
			}
		}
	})
	return nil
}

// rootSelector follows e through indexing, field selection, dereference and parentheses to the first
// selector pkg.Name it starts with.
func rootSelector(e ast.Expr) (*ast.SelectorExpr, bool) {
	for {
		switch x := e.(type) {
		case *ast.ParenExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.SliceExpr:
			e = x.X
		case *ast.SelectorExpr:
			if _, ok := x.X.(*ast.Ident); ok {
				return x, true
			}
			e = x.X
		default:
			return nil, false
		}
	}
}

// walkWrites calls fn with every expression f writes or may write through: assignment and inc/dec targets,
// range variables, operands of & and of channel sends and receives, the first argument of delete, clear and
// copy, and (method set true) the selector x.M of every call, which the caller checks for a method with a pointer
// receiver. what says which. Writes in init functions are left out: they initialise.
func walkWrites(f *ast.File, fn func(e ast.Expr, what string, method bool)) {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "init" {
			continue
		}
		ast.Inspect(d, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				if n.Tok != token.DEFINE {
					for _, l := range n.Lhs {
						fn(l, "assigned", false)
					}
				}
			case *ast.IncDecStmt:
				fn(n.X, "incremented", false)
			case *ast.RangeStmt:
				if n.Tok == token.ASSIGN {
					if n.Key != nil {
						fn(n.Key, "assigned by range", false)
					}
					if n.Value != nil {
						fn(n.Value, "assigned by range", false)
					}
				}
			case *ast.UnaryExpr:
				switch n.Op {
				case token.AND:
					fn(n.X, "has its address taken", false)
				case token.ARROW:
					fn(n.X, "is received from", false)
				}
			case *ast.SendStmt:
				fn(n.Chan, "is sent to", false)
			case *ast.CallExpr:
				switch fun := n.Fun.(type) {
				case *ast.Ident:
					if (fun.Name == "delete" || fun.Name == "clear" || fun.Name == "copy") && len(n.Args) > 0 {
						fn(n.Args[0], "is passed to "+fun.Name, false)
					}
				case *ast.SelectorExpr:
					fn(fun, "has a method called that may change it ("+fun.Sel.Name+")", true)
				}
			}
			return true
		})
	}
}

// Package checks the package in dir, whose import path is path: its files for the Checker's build context,
// internal tests included (they may write the variables; their own variables are not checked). Files the build
// context leaves out are checked by syntax alone: any variable they declare, other than _, is reported.
func (c *Checker) Package(dir, path string) ([]Finding, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	var pkgName string
	var findings []Finding
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") {
			continue
		}
		file := filepath.Join(dir, name)
		f, err := parser.ParseFile(c.fset, file, nil, 0)
		if err != nil {
			return nil, err
		}
		test := strings.HasSuffix(name, "_test.go")
		if test && strings.HasSuffix(f.Name.Name, "_test") {
			continue // an external test: its writes were scanned by name (see Module)
		}
		if ok, err := c.ctx.MatchFile(dir, name); err != nil {
			return nil, err
		} else if !ok {
			if !test {
				findings = append(findings, c.untyped(f, path)...)
			}
			continue
		}
		if !test {
			pkgName = f.Name.Name
		}
		files = append(files, f)
	}
	if pkgName == "" {
		return findings, nil
	}
	info := &types.Info{Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{}, Types: map[ast.Expr]types.TypeAndValue{}}
	// An error in a test file (one that no longer builds) leaves the rest typed: the check goes on without what
	// the test file would have told. An error in the package itself ends it.
	var libErr error
	conf := types.Config{Importer: c.imp, Error: func(err error) {
		if te, ok := err.(types.Error); ok && strings.HasSuffix(te.Fset.Position(te.Pos).Filename, "_test.go") {
			return
		}
		if libErr == nil {
			libErr = err
		}
	}}
	pkg, _ := conf.Check(path, c.fset, files, info)
	if libErr != nil {
		return nil, fmt.Errorf("type-checking %s: %w", path, libErr)
	}

	// The package-level variables declared outside tests.
	type decl struct {
		v   *types.Var
		pos token.Position
	}
	var vars []decl
	for _, f := range files {
		if strings.HasSuffix(c.fset.Position(f.Pos()).Filename, "_test.go") {
			continue
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, s := range gd.Specs {
				for _, id := range s.(*ast.ValueSpec).Names {
					if id.Name == "_" {
						continue
					}
					if v, ok := info.Defs[id].(*types.Var); ok {
						vars = append(vars, decl{v, c.fset.Position(id.Pos())})
					}
				}
			}
		}
	}

	// Where each is written.
	written := map[*types.Var]string{}
	for _, f := range files {
		walkWrites(f, func(e ast.Expr, what string, method bool) {
			if method {
				sel := e.(*ast.SelectorExpr)
				if !mayChange(sel, info) {
					return
				}
				e = sel.X
			}
			v := rootVar(e, info, pkg)
			if v == nil || written[v] != "" {
				return
			}
			written[v] = fmt.Sprintf("%s at %s", what, c.fset.Position(e.Pos()))
		})
	}
	for _, d := range vars {
		key := path + "." + d.v.Name()
		reason := ""
		switch {
		case written[d.v] != "":
			reason = written[d.v]
		case c.hasWrite(key):
			reason = fmt.Sprintf("written from another package at %s", c.writes[key])
		case d.v.Exported() && isSetting(d.v.Type()):
			reason = "an exported setting: any importer may change it (make it a constant or a field)"
		default:
			if s := syncState(d.v.Type()); s != "" {
				reason = "holds synchronisation state (" + s + ")"
			}
		}
		if reason != "" {
			findings = append(findings, Finding{Var: key, Pos: d.pos, Reason: reason})
		}
	}
	return findings, nil
}

// untyped reports every variable other than _ and error sentinels (errors.New, fmt.Errorf) that f declares: f
// is outside the build context, so its variables cannot be shown immutable.
func (c *Checker) untyped(f *ast.File, path string) []Finding {
	var out []Finding
	for _, d := range f.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.VAR {
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if id.Name != "_" && !(i < len(vs.Values) && isSentinel(vs.Values[i])) {
						out = append(out, Finding{Var: path + "." + id.Name, Pos: c.fset.Position(id.Pos()),
							Reason: "declared in a file outside the checked build context"})
					}
				}
			}
		}
	}
	return out
}

// isSentinel reports whether e is a call of errors.New or fmt.Errorf (by syntax).
func isSentinel(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && (x.Name == "errors" && sel.Sel.Name == "New" || x.Name == "fmt" && sel.Sel.Name == "Errorf")
}

// isSetting reports whether t is the type of a setting rather than a table: a number, string or bool, or a
// function (a hook).
func isSetting(t types.Type) bool {
	switch t.Underlying().(type) {
	case *types.Basic, *types.Signature:
		return true
	}
	return false
}

// rootVar is the package-level variable of pkg that e starts with (through indexing, fields, dereference,
// slicing), or nil.
func rootVar(e ast.Expr, info *types.Info, pkg *types.Package) *types.Var {
	for {
		switch x := e.(type) {
		case *ast.ParenExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.SliceExpr:
			e = x.X
		case *ast.SelectorExpr:
			if _, ok := info.Selections[x]; !ok {
				// A qualified identifier (pkg.Name): another package's, recorded by name.
				return nil
			}
			e = x.X
		case *ast.Ident:
			v, ok := info.Uses[x].(*types.Var)
			if !ok || v.Pkg() != pkg || v.Parent() != pkg.Scope() {
				return nil
			}
			return v
		default:
			return nil
		}
	}
}

// mayChange reports whether the call of sel (x.M) may change x: M is a method with a pointer receiver, or an
// interface's method (other than error's, whose Error the sentinels answer).
func mayChange(sel *ast.SelectorExpr, info *types.Info) bool {
	s, ok := info.Selections[sel]
	if !ok || s.Kind() != types.MethodVal {
		return false // a qualified identifier, a field of func type
	}
	recv := s.Obj().(*types.Func).Type().(*types.Signature).Recv()
	if recv == nil {
		return false
	}
	switch recv.Type().Underlying().(type) {
	case *types.Pointer:
		return true
	case *types.Interface:
		return !types.Identical(s.Recv(), types.Universe.Lookup("error").Type())
	}
	return false
}

// syncState names the synchronisation state t holds (a sync or sync/atomic type, a channel), or "".
func syncState(t types.Type) string {
	seen := map[types.Type]bool{}
	var walk func(t types.Type) string
	walk = func(t types.Type) string {
		if seen[t] {
			return ""
		}
		seen[t] = true
		if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil {
			if p := n.Obj().Pkg().Path(); p == "sync" || p == "sync/atomic" {
				return p + "." + n.Obj().Name()
			}
		}
		switch u := t.Underlying().(type) {
		case *types.Chan:
			return "a channel"
		case *types.Struct:
			for i := range u.NumFields() {
				if s := walk(u.Field(i).Type()); s != "" {
					return s
				}
			}
		case *types.Array:
			return walk(u.Elem())
		}
		return ""
	}
	return walk(t)
}

func (c *Checker) hasWrite(key string) bool {
	_, ok := c.writes[key]
	return ok
}
