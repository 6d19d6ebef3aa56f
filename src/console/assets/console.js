// Small enhancements; every page works without them. Asks before a form that says data-confirm is
// submitted (launching a campaign, disabling a user), and prints a page from a button.
document.addEventListener('submit', (e) => {
  const message = e.target instanceof HTMLFormElement ? e.target.dataset.confirm : undefined;
  if (message && !window.confirm(message)) e.preventDefault();
});
document.addEventListener('click', (e) => {
  if (e.target instanceof Element && e.target.closest('[data-print]')) window.print();
});
