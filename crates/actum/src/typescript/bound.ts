/** A bound action's URL, as the server rendered it with `action.bind(…)`. */
function boundUrl(url: string, id: string): string {
  const path = new URL(url, location.href).pathname;
  if (!path.endsWith('/_actum/' + id)) {
    throw new ActumError({ status: 0, message: `${url} is not a URL of this action` });
  }
  return url;
}
