// Building the page from data: elements and text nodes only, never HTML strings, so nothing
// the API sends (tickers, categories, error messages) can become markup.

// el('td', {className: 'num', dataset: {value: '1.5'}, title: 'x'}, 'text', child, ...)
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'className') node.className = value;
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function setText(node, text) {
  node.textContent = text === undefined || text === null ? '' : String(text);
}

export function byTestId(id) {
  return document.querySelector(`[data-testid="${id}"]`);
}
