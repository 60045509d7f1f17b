-- wrk script of `npm run bench`: HTTP/1.1 pipelining. Each connection sends `depth`
-- requests (wrk's -H headers included) in one write and waits for all the answers before
-- sending the next batch, so the load generator spends a fraction of the CPU per request
-- that one request per round trip costs it. wrk counts every answer; its latency figures
-- are those of a whole batch.
--   wrk -s bench/pipeline.lua URL -- DEPTH
init = function(args)
  local depth = tonumber(args[1]) or 1
  local batch = {}
  for i = 1, depth do
    batch[i] = wrk.format()
  end
  pipelined = table.concat(batch)
end

request = function()
  return pipelined
end
