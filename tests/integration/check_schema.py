"""rules/schema.json: a valid JSON Schema (draft 2020-12) that accepts the
shipped rules and the golden good files, and rejects the mistakes an editor
should flag while typing (unknown key, wrong type, CR/LF, unknown kind),
as koyomi check does. YAML is read the way a YAML 1.2 language server
reads it: no timestamps, no sexagesimal numbers, no yes/no booleans."""
import glob
import json
import os
import re
import sys

import jsonschema
import yaml

SRC = os.environ["KOYOMI_SRC"]


class Loader(yaml.SafeLoader):
    pass


Loader.yaml_implicit_resolvers = {}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"),
    list("-+0123456789"))
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
    ["~", "n", "N", ""])


def load(text):
    # JSON round trip: mapping keys such as fy years become strings.
    return json.loads(json.dumps(yaml.load(text, Loader=Loader),
                                 ensure_ascii=False))


schema = json.load(open(os.path.join(SRC, "rules/schema.json")))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
fail = 0

good = sorted(glob.glob(os.path.join(SRC, "rules/**/*.yaml"), recursive=True))
good += sorted(glob.glob(os.path.join(SRC, "tests/golden/check/good/*.yaml")))
if not good:
    print("FAIL: no rule files found")
    fail = 1
for path in good:
    errs = list(v.iter_errors(load(open(path, encoding="utf-8").read())))
    for e in errs[:5]:
        print("FAIL: %s: %s: %s" % (os.path.relpath(path, SRC),
                                    list(e.absolute_path), e.message[:160]))
    fail |= bool(errs)

BAD = {
    "unknown key": "cycles:\n  - id: c\n    title: t\n    items:\n"
                   "      - {id: a, kind: meeting, titel: A, date: 6月頃}\n",
    "wrong type": "organisations:\n  - id: o\n    name: [a, b]\n",
    "crlf": "organisations:\n  - id: o\n    name: \"a\\r\\nBcc: x\"\n",
    "kind": "cycles:\n  - id: c\n    title: t\n    items:\n"
            "      - {id: a, kind: meting, title: A, date: 6月頃}\n",
    "bad id": "organisations:\n  - {id: \"a b\", name: n}\n",
    "offset": "policies:\n  - {id: p, steps: [-3x]}\n",
    "top level": "organizations: []\n",
}
for name, text in BAD.items():
    if not list(v.iter_errors(load(text))):
        print("FAIL: schema accepts the %s mistake" % name)
        fail = 1
    else:
        print("ok: schema rejects the %s mistake" % name)
print("checked %d files" % len(good))
sys.exit(fail)
