-- Each request asks for a path no one asked before (an unused query parameter), so the page is
-- built, never served from what a web process keeps: the cost of a first view.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  n = 0
  sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
end

function request()
  n = n + 1
  return wrk.format(nil, wrk.path .. sep .. "fresh=" .. id .. "-" .. n)
end
