// The GraphQL explorer Sentinel serves at GET /graphql (a browser's Accept: text/html).
// Bundled by scripts/build-explorer.ts into dist/explorer; everything loads from this origin.
import './style-nonce.js';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { parse } from 'graphql';
import 'graphiql/style.css';
import { createElement as h, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import './explorer.css';

const ASSETS = '/graphql/assets';
const KEY_STORAGE = 'sentinel.apiKey';

// Monaco's editors run their language services in workers, built next to this bundle.
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const name = label === 'json' || label === 'graphql' ? label : 'editor';
    return new Worker(`${ASSETS}/${name}.worker.js`);
  },
};

const DEFAULT_QUERY = `# Paste your API key above once; it is kept in this browser only.
{
  me {
    slug
    name
  }
}
`;

function parsed(query) {
  try {
    return parse(query);
  } catch {
    return undefined;
  }
}

function readKey() {
  try {
    return window.localStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return '';
  }
}

function KeyBar({ apiKey, onSave }) {
  const [draft, setDraft] = useState(apiKey);
  const save = (event) => {
    event.preventDefault();
    onSave(draft.trim());
  };
  return h(
    'form',
    { className: 'sentinel-keybar', onSubmit: save },
    h('a', { className: 'sentinel-home', href: '/' }, 'Sentinel'),
    h('label', { htmlFor: 'sentinel-api-key' }, 'API key'),
    h('input', {
      id: 'sentinel-api-key',
      type: 'password',
      autoComplete: 'off',
      spellCheck: false,
      placeholder: 'sk_...',
      value: draft,
      onChange: (event) => setDraft(event.target.value),
    }),
    h('button', { type: 'submit' }, 'Use key'),
    h(
      'span',
      { className: 'sentinel-key-state', role: 'status' },
      apiKey ? `key ${apiKey.slice(0, 10)}... in use` : 'no key: only public queries work',
    ),
  );
}

function Explorer() {
  const [apiKey, setApiKey] = useState(readKey);
  const fetcher = useMemo(() => {
    const authorization = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
    const ws = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`;
    const fetcher = createGraphiQLFetcher({
      url: '/graphql',
      subscriptionUrl: ws,
      headers: authorization,
      wsConnectionParams: authorization,
    });
    // The fetcher sends subscriptions over the WebSocket when it is given the parsed document;
    // GraphiQL's own copy can lag behind the editor, so parse what is actually sent.
    return (params, options) =>
      fetcher(params, { ...options, documentAST: parsed(params.query) ?? options?.documentAST });
  }, [apiKey]);
  const save = (key) => {
    try {
      if (key) window.localStorage.setItem(KEY_STORAGE, key);
      else window.localStorage.removeItem(KEY_STORAGE);
    } catch {
      // Storage refused (private mode): the key still holds for this page.
    }
    setApiKey(key);
  };
  return h(
    'div',
    { className: 'sentinel-explorer' },
    h(KeyBar, { apiKey, onSave: save }),
    h(
      'div',
      { className: 'sentinel-graphiql' },
      h(GraphiQL, { fetcher, defaultQuery: DEFAULT_QUERY }),
    ),
  );
}

createRoot(document.getElementById('sentinel-explorer')).render(h(Explorer));
