// Forms marked data-confirm="question" ask before they submit (the Content-Security-Policy
// allows no inline onsubmit handlers, so the question lives in the markup and the code here).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
