package main

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// The public documentation of every library package speaks of its public
// API only: no doc comment of the package or of an exported name mentions a
// source file (fast.go, …_test.go) or an unexported name of the package
// spelled as code (packedModel, maxParams: camelCase, which English words
// are not; lower-case notation such as o1 in a formula is not caught).
func TestPublicDocs(t *testing.T) {
	root := filepath.Join("..", "..")
	var dirs []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if rel, _ := filepath.Rel(root, p); rel == "cmd" || (rel != "." && strings.HasPrefix(d.Name(), ".")) || d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if m, _ := filepath.Glob(filepath.Join(p, "*.go")); len(m) > 0 {
			dirs = append(dirs, p)
		}
		return nil
	})
	if len(dirs) < 5 {
		t.Fatalf("found only the packages %v", dirs)
	}
	word := regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*(\.go)?`)
	for _, dir := range dirs {
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, pkg := range pkgs {
			hidden := unexportedNames(pkg)
			p := doc.New(pkg, dir, 0) // exported declarations only
			for name, text := range publicComments(p) {
				for _, w := range word.FindAllString(text, -1) {
					camel := strings.ContainsFunc(w[1:], unicode.IsUpper)
					if strings.HasSuffix(w, ".go") || strings.Contains(w, "_test") || (hidden[w] && camel) {
						t.Errorf("%s: the doc of %s names %s", dir, name, w)
					}
				}
			}
		}
	}
}

// unexportedNames returns the package's unexported top-level names and
// struct fields.
func unexportedNames(pkg *ast.Package) map[string]bool {
	names := make(map[string]bool)
	add := func(id *ast.Ident) {
		if !id.IsExported() {
			names[id.Name] = true
		}
	}
	for _, f := range pkg.Files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				add(d.Name)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						add(s.Name)
						if st, ok := s.Type.(*ast.StructType); ok {
							for _, fl := range st.Fields.List {
								for _, n := range fl.Names {
									add(n)
								}
							}
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							add(n)
						}
					}
				}
			}
		}
	}
	return names
}

// publicComments returns the package's doc and the doc comments of its
// exported declarations, methods and struct fields, by name.
func publicComments(p *doc.Package) map[string]string {
	out := map[string]string{"package " + p.Name: p.Doc}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			out[strings.Join(v.Names, ", ")] = v.Doc
		}
	}
	values(p.Consts)
	values(p.Vars)
	for _, f := range p.Funcs {
		out[f.Name] = f.Doc
	}
	for _, ty := range p.Types {
		out[ty.Name] = ty.Doc
		values(ty.Consts)
		values(ty.Vars)
		for _, f := range ty.Funcs {
			out[f.Name] = f.Doc
		}
		for _, m := range ty.Methods {
			out[ty.Name+"."+m.Name] = m.Doc
		}
		for _, s := range ty.Decl.Specs {
			st, ok := s.(*ast.TypeSpec).Type.(*ast.StructType)
			if !ok {
				continue
			}
			for _, fl := range st.Fields.List {
				if len(fl.Names) > 0 && fl.Names[0].IsExported() {
					out[ty.Name+"."+fl.Names[0].Name] = fl.Doc.Text() + fl.Comment.Text()
				}
			}
		}
	}
	return out
}
