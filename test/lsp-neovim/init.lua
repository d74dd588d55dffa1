-- Neovim's own LSP client on one Dockerfile, headless: start `dockmod lsp --stdio`, wait for its diagnostics,
-- apply the source.fixAll.dockmod code action, write every changed buffer, and leave the diagnostics seen in
-- DOCKMOD_REPORT (JSON). Written for Debian's Neovim 0.7 (vim.lsp.start_client, client.request_sync); a newer
-- Neovim takes the same path. Any failure exits non-zero with the reason on stderr.
local cli = os.getenv('DOCKMOD_CLI')
local file = os.getenv('DOCKMOD_FILE')
local report = os.getenv('DOCKMOD_REPORT')

local function fail(message)
  io.stderr:write('lsp-neovim: ' .. message .. '\n')
  vim.cmd('cquit 1')
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = 'dockmod',
    cmd = { 'node', cli, 'lsp', '--stdio' },
    root_dir = vim.fn.fnamemodify(file, ':h'),
  })
  if not client_id then return fail('the server did not start') end
  vim.lsp.buf_attach_client(bufnr, client_id)
  if not vim.wait(10000, function() return #vim.diagnostic.get(bufnr) > 0 end, 20) then
    return fail('no diagnostics within 10 s')
  end
  local seen = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(seen, { lnum = d.lnum, severity = d.severity, code = d.user_data and d.user_data.lsp and d.user_data.lsp.code or d.code, message = d.message })
  end
  table.sort(seen, function(a, b) return a.lnum < b.lnum or (a.lnum == b.lnum and a.message < b.message) end)

  local client = vim.lsp.get_client_by_id(client_id)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 0 } },
    context = { diagnostics = {}, only = { 'source.fixAll.dockmod' } },
  }
  -- Neovim 0.11 made the client's functions methods.
  local response
  if vim.fn.has('nvim-0.11') == 1 then
    response = client:request_sync('textDocument/codeAction', params, 10000, bufnr)
  else
    response = client.request_sync('textDocument/codeAction', params, 10000, bufnr)
  end
  if not response or response.err then return fail('codeAction failed: ' .. vim.inspect(response)) end
  local action = response.result[1]
  if not action or action.kind ~= 'source.fixAll.dockmod' then return fail('no fix-all action: ' .. vim.inspect(response.result)) end
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  vim.cmd('silent wall')

  local out = io.open(report, 'w')
  out:write(vim.fn.json_encode({ diagnostics = seen, title = action.title }))
  out:close()
  vim.lsp.stop_client(client_id)
end)
if not ok then fail(tostring(err)) end
vim.cmd('qall!')
