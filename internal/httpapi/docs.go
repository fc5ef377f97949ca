package httpapi

import (
	"encoding/json"
	"html/template"
	"net/http"
	"sort"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// The API reference at /api/docs is rendered on the server from the OpenAPI
// document: no script, no CDN, and nothing that the strict CSP would block.

type docsOp struct {
	Method, Path, Summary, ID, Security string
	Params                              []docsParam
	Body                                string
	Responses                           []string
}

type docsParam struct{ In, Name, Type, Doc string }

type docsTag struct {
	Name string
	Ops  []docsOp
}

var docsTmpl = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>HummDesk API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/api/docs.css"></head>
<body><header><h1>HummDesk API <small>{{.Version}}</small></h1>
<p>{{.Description}}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Errors are
<code>application/problem+json</code> (RFC 9457) with a stable <code>type</code>.</p>
<nav>{{range .Tags}}<a href="#{{.Name}}">{{.Name}}</a> {{end}}</nav></header>
<main>{{range .Tags}}<section id="{{.Name}}"><h2>{{.Name}}</h2>
{{range .Ops}}<article id="{{.ID}}"><h3><span class="m {{.Method}}">{{.Method}}</span> <code>{{.Path}}</code></h3>
<p>{{.Summary}} <small>auth: {{.Security}}</small></p>
{{if .Params}}<table><tr><th>in</th><th>name</th><th>type</th><th></th></tr>{{range .Params}}<tr><td>{{.In}}</td><td><code>{{.Name}}</code></td><td>{{.Type}}</td><td>{{.Doc}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<details><summary>Request body</summary><pre>{{.Body}}</pre></details>{{end}}
<p class="r">Responses: {{range .Responses}}<code>{{.}}</code> {{end}}</p></article>
{{end}}</section>{{end}}</main></body></html>`))

const docsCSS = `body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem;color:#1d2433}
nav a{margin-right:.6rem}h2{border-bottom:1px solid #ddd;margin-top:2rem}article{margin:1rem 0;padding:.5rem 1rem;background:#f7f8fa;border-radius:6px}
.m{font-weight:700;padding:0 .4rem;border-radius:4px;color:#fff;background:#555}.GET{background:#2f7d32}.POST{background:#1565c0}
.PATCH,.PUT{background:#b26a00}.DELETE{background:#c62828}table{border-collapse:collapse;font-size:13px}td,th{padding:2px 8px;text-align:left}
pre{background:#fff;padding:.5rem;overflow:auto;font-size:12px}small{color:#667}`

func (s *Server) docsHandler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/docs.css" {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write([]byte(docsCSS))
		return
	}
	oa := s.api.OpenAPI()
	tags := map[string]*docsTag{}
	var order []string
	for path, item := range oa.Paths {
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op == nil {
				continue
			}
			d := docsOp{Method: method, Path: path, Summary: op.Summary, ID: op.OperationID, Security: "none"}
			if len(op.Security) > 0 {
				var names []string
				for _, req := range op.Security {
					for k := range req {
						names = append(names, k)
					}
				}
				if len(names) > 0 {
					d.Security = strings.Join(names, " or ")
				}
			}
			for _, p := range op.Parameters {
				typ := ""
				if p.Schema != nil {
					typ = p.Schema.Type
					if len(p.Schema.Enum) > 0 {
						var vals []string
						for _, e := range p.Schema.Enum {
							b, _ := json.Marshal(e)
							vals = append(vals, string(b))
						}
						typ += " (" + strings.Join(vals, ", ") + ")"
					}
				}
				d.Params = append(d.Params, docsParam{In: p.In, Name: p.Name, Type: typ, Doc: p.Description})
			}
			if op.RequestBody != nil {
				if mt := op.RequestBody.Content["application/json"]; mt != nil && mt.Schema != nil {
					sch := mt.Schema
					if sch.Ref != "" {
						sch = oa.Components.Schemas.SchemaFromRef(sch.Ref)
					}
					b, _ := json.MarshalIndent(sch, "", "  ")
					d.Body = string(b)
				}
			}
			for code := range op.Responses {
				d.Responses = append(d.Responses, code)
			}
			sort.Strings(d.Responses)
			tag := "Other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			if tags[tag] == nil {
				tags[tag] = &docsTag{Name: tag}
				order = append(order, tag)
			}
			tags[tag].Ops = append(tags[tag].Ops, d)
		}
	}
	sort.Strings(order)
	data := struct {
		Version, Description string
		Tags                 []*docsTag
	}{Version: oa.Info.Version, Description: oa.Info.Description}
	for _, name := range order {
		t := tags[name]
		sort.Slice(t.Ops, func(i, j int) bool {
			if t.Ops[i].Path != t.Ops[j].Path {
				return t.Ops[i].Path < t.Ops[j].Path
			}
			return t.Ops[i].Method < t.Ops[j].Method
		})
		data.Tags = append(data.Tags, t)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = docsTmpl.Execute(w, data)
}
