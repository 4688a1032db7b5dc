-- LÖVE's configuration: this example needs no window, no graphics and no
-- sound, so that it runs where there is no display (a CI machine, a
-- server). A real game keeps them; nothing in main.lua depends on that.
function love.conf(t)
  t.identity = "signals-example"
  t.window = false
  for _, name in ipairs { "audio", "sound", "graphics", "window", "image", "font",
                          "joystick", "touch", "video", "physics", "mouse", "keyboard" } do
    t.modules[name] = false
  end
end
