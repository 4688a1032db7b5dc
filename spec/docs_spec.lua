-- The repository explains itself: every section reference in the tree
-- resolves to a section of docs/CONTRACT.md or docs/API-NOTES.md (the forms
-- are listed at the top of docs/CONTRACT.md), nothing points at material
-- outside the repository, the recipes of docs/INTERNALS.md name files that
-- exist, and the README's operations table is the one `make readme` writes
-- from lua/signals/operations.lua.
local operations = require("signals.operations")

-- Built from parts, so that this file does not match what it looks for.
local SECTION = "\194\167"
local FORBIDDEN = { "DESIGN" .. ".md", "API" .. ".md", "../" .. "shared" }
local DOCUMENTS = { CONTRACT = "docs/CONTRACT.md", ["API-NOTES"] = "docs/API-NOTES.md" }
local SCANNED = "csrc lua mock spec bench examples fuzz scripts docs bin mk .ci"
  .. " README.md Makefile config.ld signals-0.1.0-1.rockspec"

local function read(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("*a")
  file:close()
  return text
end

-- The project's text files (not spec/fixtures: API data, not prose).
local function tree()
  local files = {}
  local find = assert(io.popen("find " .. SCANNED .. " -type f 2>/dev/null"))
  for path in find:lines() do
    if not path:find("^spec/fixtures/") then
      local text = read(path)
      if not text:find("\0", 1, true) then files[#files + 1] = { path = path, text = text } end
    end
  end
  find:close()
  -- In order, so that what a failure lists reads the same every time.
  table.sort(files, function(a, b) return a.path < b.path end)
  assert(#files > 100, "the tree was not found: run the specs from the project root")
  return files
end

local function line_of(text, at)
  local _, breaks = text:sub(1, at):gsub("\n", "")
  return breaks + 1
end

-- The numbers of a document's headings: "## 9. Precise rules" gives "9",
-- "### 4.1 Answer envelope" gives "4.1", "## 16a. ..." gives "16a".
local function headings(path)
  local numbers = {}
  for line in (read(path) .. "\n"):gmatch("(.-)\n") do
    local number = line:match("^#+%s+(%d+%a?[%.%d]*)")
    if number then numbers[(number:gsub("%.$", ""))] = true end
  end
  return numbers
end

-- Between a document's name and its first section sign: blanks, the
-- comment leader of a line break (a name may end one comment line and its
-- section begin the next), and the backquote closing a Markdown file name.
local GAP = "^[%s%-%*/#`]*"
-- Between two sections of one reference: a comma, a hyphen or an en dash
-- (a range), "and", "or" (the forms of the reference test below).
local LINKS = { "^%s*,%s*and%s+", "^%s*,%s*or%s+", "^%s*,%s*", "^%s*%-%s*", "^%s*\226\128\147%s*",
  "^%s+and%s+", "^%s+or%s+" }
-- What names a document before a section sign. RFCs are cited as they
-- number themselves and are not checked.
local ANCHORS = { "docs/CONTRACT%.md", "docs/API%-NOTES%.md", "CONTRACT", "API%-NOTES", "RFC %d+" }

-- The section number at `at` (just after a section sign), and where it ends.
local function number_at(text, at)
  local number = text:match("^%d+%a?", at)
  if not number then return nil, at end
  at = at + #number
  while true do
    local part = text:match("^%.%d+", at)
    if not part then break end
    number, at = number .. part, at + #part
  end
  return number, at
end

-- Every section reference of `text`: { document =, number =, at = } with
-- document "CONTRACT", "API-NOTES", "RFC" or nil (a section sign no
-- document name leads to). `own` is the document a bare section sign in
-- this file refers to (inside docs/CONTRACT.md and docs/API-NOTES.md).
local function references(text, own)
  local found, claimed = {}, {}
  -- A chain of sections from a section sign at `at`, all of `document`.
  local function chain(document, at)
    while true do
      claimed[at] = true
      local number, after = number_at(text, at + #SECTION)
      found[#found + 1] = { document = document, number = number, at = at }
      local next_at
      for _, link in ipairs(LINKS) do
        local gap = text:match(link, after)
        if gap then
          local lead = text:match(GAP, after + #gap)
          if text:sub(after + #gap + #lead, after + #gap + #lead + #SECTION - 1) == SECTION then
            next_at = after + #gap + #lead
            break
          end
        end
      end
      if not next_at then return end
      at = next_at
    end
  end
  for _, anchor in ipairs(ANCHORS) do
    for at, name in text:gmatch("()(" .. anchor .. ")") do
      if at == 1 or not text:sub(at - 1, at - 1):match("[%w_/%-]") then
        local gap = text:match(GAP, at + #name)
        local sign = at + #name + #gap
        if text:sub(sign, sign + #SECTION - 1) == SECTION and not claimed[sign] then
          chain(name:match("^RFC") and "RFC" or name:match("CONTRACT") and "CONTRACT" or "API-NOTES", sign)
        end
      end
    end
  end
  local from = 1
  while true do
    local at = text:find(SECTION, from, true)
    if not at then break end
    if not claimed[at] then chain(own, at) end
    from = at + #SECTION
  end
  return found
end

describe("the repository's documents", function()
  local files = tree()
  local sections = {}
  for name, path in pairs(DOCUMENTS) do sections[name] = headings(path) end

  it("keep the section numbers of the contract (1 to 12) and of the API notes (0 to 17, 16a)", function()
    for n = 1, 12 do assert.is_true(sections.CONTRACT[tostring(n)], "docs/CONTRACT.md lacks section " .. n) end
    for n = 0, 17 do assert.is_true(sections["API-NOTES"][tostring(n)], "docs/API-NOTES.md lacks section " .. n) end
    assert.is_true(sections["API-NOTES"]["16a"], "docs/API-NOTES.md lacks section 16a")
  end)

  it("are what every section reference in the tree points at", function()
    local problems = {}
    for _, file in ipairs(files) do
      local own
      for name, path in pairs(DOCUMENTS) do
        if file.path == path then own = name end
      end
      for _, ref in ipairs(references(file.text, own)) do
        local where = file.path .. ":" .. line_of(file.text, ref.at)
        if not ref.document then
          problems[#problems + 1] = where .. ": a section sign without a document: write CONTRACT "
            .. SECTION .. "9 or API-NOTES " .. SECTION .. "4.1"
        elseif not ref.number then
          problems[#problems + 1] = where .. ": " .. ref.document .. " " .. SECTION .. " without a section number"
        elseif ref.document ~= "RFC" and not sections[ref.document][ref.number] then
          problems[#problems + 1] = where .. ": " .. ref.document .. " " .. SECTION .. ref.number
            .. " is no section of " .. DOCUMENTS[ref.document]
        end
      end
    end
    assert.are.same({}, problems)
  end)

  it("are the only ones named: nothing points outside the repository", function()
    local problems = {}
    for _, file in ipairs(files) do
      for _, name in ipairs(FORBIDDEN) do
        local at = file.text:find(name, 1, true)
        if at then
          problems[#problems + 1] = file.path .. ":" .. line_of(file.text, at) .. ": names " .. name
        end
      end
    end
    assert.are.same({}, problems)
  end)

  it("resolve references of every accepted form, and refuse the rest", function()
    local function shape(text, own)
      local out = {}
      for i, ref in ipairs(references(text, own)) do
        out[i] = (ref.document or "?") .. " " .. (ref.number or "?")
      end
      return out
    end
    local S = SECTION
    assert.are.same({ "CONTRACT 6", "CONTRACT 9" }, shape("(CONTRACT " .. S .. "6, " .. S .. "9)"))
    assert.are.same({ "API-NOTES 8.1", "API-NOTES 8.6" }, shape("API-NOTES " .. S .. "8.1-" .. S .. "8.6"))
    assert.are.same({ "API-NOTES 13" }, shape("(API-NOTES\n-- " .. S .. "13), so"))
    assert.are.same({ "CONTRACT 5", "API-NOTES 12" },
      shape("docs/CONTRACT.md " .. S .. "5 / docs/API-NOTES.md " .. S .. "12."))
    assert.are.same({ "API-NOTES 16a", "RFC 5.6.1" }, shape("API-NOTES " .. S .. "16a; RFC 9110 " .. S .. "5.6.1"))
    assert.are.same({ "CONTRACT 6", "CONTRACT 9" }, shape("(CONTRACT " .. S .. "6, and " .. S .. "9 for)"))
    assert.are.same({ "CONTRACT 9" }, shape("CONTRACT " .. S .. "9's order"))
    assert.are.same({ "CONTRACT 4" }, shape("in `docs/CONTRACT.md` " .. S .. "4"))
    assert.are.same({ "? 9" }, shape("DESIGN " .. S .. "9"))
    assert.are.same({ "CONTRACT 4", "? 7" }, shape("as CONTRACT " .. S .. "4 does; as " .. S .. "7 says"))
    assert.are.same({ "CONTRACT 7" }, shape("as " .. S .. "7 says", "CONTRACT"))
    assert.are.same({ "CONTRACT ?" }, shape("CONTRACT " .. S .. "x"))
  end)

  it("name only files that exist in the recipes of docs/INTERNALS.md", function()
    local text = read("docs/INTERNALS.md")
    local recipes = text:match("\n## Recipes\n(.-)\n## ") or text:match("\n## Recipes\n(.*)$")
    assert.is_string(recipes, "docs/INTERNALS.md has no '## Recipes' section")
    local named, missing = 0, {}
    for path in recipes:gmatch("`([%w_%-%./]+)`") do
      if path:find("/", 1, true) and not path:find("^/") and path:find("%.%a+$") then
        named = named + 1
        local file = io.open(path, "rb")
        if file then file:close() else missing[#missing + 1] = path end
      end
    end
    assert.is_true(named >= 10, "the recipes name too few files: " .. named)
    assert.are.same({}, missing)
  end)
end)

describe("README.md's operations table", function()
  it("is what `make readme` writes from lua/signals/operations.lua", function()
    local areas = dofile("scripts/operation_areas.lua")
    local text = read("README.md")
    local expected = assert(areas.splice(text, areas.readme_table(operations)))
    if expected ~= text then
      error("README.md's operations table differs from lua/signals/operations.lua: run `make readme`", 0)
    end
  end)

  it("lists every operation once, under an area", function()
    local areas = dofile("scripts/operation_areas.lua")
    local table_text = areas.readme_table(operations)
    for _, op in ipairs(operations) do
      local _, count = table_text:gsub("`" .. op.name .. "`", "")
      assert.are.equal(1, count, op.name)
    end
    assert.truthy(table_text:find("(" .. #operations .. " operations)", 1, true))
    assert.has_error(function() areas.of({ name = "x", path = "/v1/nowhere" }) end)
  end)
end)
