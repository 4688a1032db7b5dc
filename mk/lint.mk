# make lint: luacheck over the Lua of the project (.luacheckrc names the
# globals of each environment: busted, nginx, LÖVE, a Redis script).

.PHONY: lint

lint:
	@sh scripts/deps.sh lint
	luacheck --no-color -q lua spec bin bench examples
