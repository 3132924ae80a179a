// Monaco adds <style> elements at run time and has no CSP nonce option. The page's CSP allows
// style elements that carry this response's nonce (from the page's meta tag), so every <style>
// created through document.createElement gets it. Imported first, before Monaco loads.
const nonce = document.querySelector('meta[name="sentinel-style-nonce"]')?.getAttribute('content');
if (nonce) {
  const createElement = document.createElement.bind(document);
  document.createElement = (tagName, options) => {
    const element = createElement(tagName, options);
    if (String(tagName).toLowerCase() === 'style') element.setAttribute('nonce', nonce);
    return element;
  };
}
